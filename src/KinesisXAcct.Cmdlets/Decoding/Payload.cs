using System;
using System.Buffers;
using System.IO;
using System.IO.Compression;
using System.Text;

namespace KinesisXAcct.Decoding
{
    /// <summary>
    /// What a payload holds once unwrapped: gzip (CloudWatch Logs subscriptions, many producers) is
    /// detected by its magic bytes and inflated; the rest is taken as it is.
    /// </summary>
    public static class Payload
    {
        /// <summary>Largest inflated payload accepted (a guard against gzip bombs; Kinesis records are at most 1 MiB).</summary>
        public const int MaxInflatedBytes = 64 * 1024 * 1024;

        public static bool IsGzip(byte[] data) => data != null && data.Length >= 18 && data[0] == 0x1f && data[1] == 0x8b && data[2] == 8;

        /// <summary>The payload bytes, inflated when gzip; a corrupt gzip payload comes back as it is.</summary>
        public static byte[] Unwrap(byte[] data)
        {
            if (!IsGzip(data)) return data;
            try
            {
                using (var input = new GZipStream(new MemoryStream(data, writable: false), CompressionMode.Decompress))
                using (var output = new MemoryStream(data.Length * 4))
                {
                    // Pooled: every record of a CloudWatch Logs subscription is gzip, read as Text or Json.
                    byte[] buffer = ArrayPool<byte>.Shared.Rent(81920);
                    try
                    {
                        int read;
                        while ((read = input.Read(buffer, 0, buffer.Length)) > 0)
                        {
                            if (output.Length + read > MaxInflatedBytes) return data;
                            output.Write(buffer, 0, read);
                        }
                    }
                    finally
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                    }

                    return output.ToArray();
                }
            }
            catch (InvalidDataException)
            {
                return data;
            }
        }

        /// <summary>The payload as UTF-8 text, inflated first when it is gzip.</summary>
        public static string Text(byte[] data)
        {
            if (data == null) return null;
            byte[] bytes = Unwrap(data);
            int start = bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0; // drop a UTF-8 BOM
            return Encoding.UTF8.GetString(bytes, start, bytes.Length - start);
        }
    }
}
