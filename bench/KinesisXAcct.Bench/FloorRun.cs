using System;
using System.Buffers.Text;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;

namespace KinesisXAcct.Bench
{
    /// <summary>
    /// Contender (e), the emulator's floor: ListShards, then shard after shard GetShardIterator
    /// (TRIM_HORIZON) and GetRecords (Limit 10,000) over a bare HttpClient. No SigV4 (moto without IAM
    /// enforcement checks no signature, but routes by the credential scope of the Authorization header,
    /// so a fixed unsigned one is sent), no JSON or base64 decoding of the records: each body lands in a
    /// reused buffer, records are counted by their "SequenceNumber" keys, and only NextShardIterator and
    /// MillisBehindLatest are picked out. Stops a shard on the same rule as ShardReader (an empty answer at
    /// the tip, or a short one with nothing behind), so it makes the same calls as the reader.
    /// </summary>
    internal static class FloorRun
    {
        private const int Limit = 10000;

        public static async Task<int> RunAsync(Options o)
        {
            var endpoint = new Uri(o.Get("endpoint"));
            string stream = o.Get("stream");
            string warm = o.Opt("warm");

            using (var http = new HttpClient(new SocketsHttpHandler
            {
                AutomaticDecompression = DecompressionMethods.None,
                AllowAutoRedirect = false,
                UseCookies = false,
                UseProxy = false,
            }))
            {
                var floor = new Floor(http, endpoint);
                if (warm != null) await floor.ReadStreamAsync(warm);
                floor.Reset();

                TimeSpan cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
                var stopwatch = Stopwatch.StartNew();
                await floor.ReadStreamAsync(stream);
                stopwatch.Stop();
                TimeSpan cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu0;

                Program.WriteResult(new Dictionary<string, object>
                {
                    ["contender"] = "floor",
                    ["records"] = floor.Records,
                    ["calls"] = floor.Calls,
                    ["wireBytes"] = floor.WireBytes,
                    ["seconds"] = stopwatch.Elapsed.TotalSeconds,
                    ["cpuSeconds"] = cpu.TotalSeconds,
                });
            }

            return 0;
        }

        private sealed class Floor
        {
            private static readonly byte[] SequenceKey = Encoding.ASCII.GetBytes("\"SequenceNumber\"");
            private static readonly byte[] NextIteratorKey = Encoding.ASCII.GetBytes("\"NextShardIterator\"");
            private static readonly byte[] BehindKey = Encoding.ASCII.GetBytes("\"MillisBehindLatest\"");
            private static readonly MediaTypeHeaderValue JsonType = new MediaTypeHeaderValue("application/x-amz-json-1.1");

            private readonly HttpClient _http;
            private readonly Uri _endpoint;
            private readonly string _authorization;
            private readonly string _amzDate;
            private byte[] _buffer = new byte[1 << 20];

            public Floor(HttpClient http, Uri endpoint)
            {
                _http = http;
                _endpoint = endpoint;
                DateTime now = DateTime.UtcNow;
                _amzDate = now.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
                _authorization = "AWS4-HMAC-SHA256 Credential=testing/" + now.ToString("yyyyMMdd", CultureInfo.InvariantCulture) +
                                 "/us-east-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature=0";
            }

            public long Records { get; private set; }
            public long Calls { get; private set; }
            public long WireBytes { get; private set; }

            public void Reset() => Records = Calls = WireBytes = 0;

            public async Task ReadStreamAsync(string stream)
            {
                string streamJson = JsonSerializer.Serialize(stream);
                int length = await PostAsync("ListShards", "{\"StreamName\":" + streamJson + "}");
                var shardIds = new List<string>();
                using (var doc = JsonDocument.Parse(new ReadOnlyMemory<byte>(_buffer, 0, length)))
                {
                    foreach (JsonElement shard in doc.RootElement.GetProperty("Shards").EnumerateArray())
                        shardIds.Add(shard.GetProperty("ShardId").GetString());
                }

                foreach (string shardId in shardIds)
                {
                    length = await PostAsync("GetShardIterator",
                        "{\"StreamName\":" + streamJson + ",\"ShardId\":" + JsonSerializer.Serialize(shardId) + ",\"ShardIteratorType\":\"TRIM_HORIZON\"}");
                    string iterator;
                    using (var doc = JsonDocument.Parse(new ReadOnlyMemory<byte>(_buffer, 0, length)))
                        iterator = doc.RootElement.GetProperty("ShardIterator").GetString();

                    while (iterator != null)
                    {
                        length = await PostAsync("GetRecords", "{\"ShardIterator\":" + JsonSerializer.Serialize(iterator) + ",\"Limit\":" + Limit + "}");
                        Calls++;
                        WireBytes += length;
                        var body = new ReadOnlySpan<byte>(_buffer, 0, length);
                        int count = Count(body, SequenceKey);
                        Records += count;
                        long behind = ReadNumberAfter(body, BehindKey);
                        iterator = ReadStringAfter(body, NextIteratorKey);
                        if (behind == 0 && count < Limit) break; // at the tip (empty or short answer)
                    }
                }
            }

            /// <summary>POSTs one Kinesis operation; the body is left in <see cref="_buffer"/>, its length returned.</summary>
            private async Task<int> PostAsync(string operation, string json)
            {
                using (var request = new HttpRequestMessage(HttpMethod.Post, _endpoint))
                {
                    request.Headers.TryAddWithoutValidation("X-Amz-Target", "Kinesis_20131202." + operation);
                    request.Headers.TryAddWithoutValidation("X-Amz-Date", _amzDate);
                    request.Headers.TryAddWithoutValidation("Authorization", _authorization);
                    request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(json));
                    request.Content.Headers.ContentType = JsonType;
                    using (HttpResponseMessage response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead))
                    {
                        int length = 0;
                        using (Stream body = await response.Content.ReadAsStreamAsync())
                        {
                            while (true)
                            {
                                if (length == _buffer.Length) Array.Resize(ref _buffer, _buffer.Length * 2);
                                int read = await body.ReadAsync(_buffer.AsMemory(length));
                                if (read == 0) break;
                                length += read;
                            }
                        }

                        if (!response.IsSuccessStatusCode)
                            throw new InvalidOperationException($"{operation}: HTTP {(int)response.StatusCode}: {Encoding.UTF8.GetString(_buffer, 0, Math.Min(length, 500))}");
                        return length;
                    }
                }
            }

            private static int Count(ReadOnlySpan<byte> body, ReadOnlySpan<byte> key)
            {
                int count = 0;
                while (true)
                {
                    int at = body.IndexOf(key);
                    if (at < 0) return count;
                    count++;
                    body = body.Slice(at + key.Length);
                }
            }

            private static int ValueStart(ReadOnlySpan<byte> body, ReadOnlySpan<byte> key)
            {
                int at = body.LastIndexOf(key);
                if (at < 0) return -1;
                int i = at + key.Length;
                while (i < body.Length && (body[i] == (byte)' ' || body[i] == (byte)':')) i++;
                return i;
            }

            private static long ReadNumberAfter(ReadOnlySpan<byte> body, ReadOnlySpan<byte> key)
            {
                int i = ValueStart(body, key);
                if (i < 0) return 0;
                return Utf8Parser.TryParse(body.Slice(i), out long value, out _) ? value : 0;
            }

            private static string ReadStringAfter(ReadOnlySpan<byte> body, ReadOnlySpan<byte> key)
            {
                int i = ValueStart(body, key);
                if (i < 0 || body[i] != (byte)'"') return null; // absent or null: the shard is closed
                var reader = new Utf8JsonReader(body.Slice(i), isFinalBlock: false, state: default);
                reader.Read();
                return reader.GetString(); // unescaped (moto's iterators end with an escaped newline)
            }
        }
    }
}
