using System.Text;
using KinesisXAcct.Errors;

namespace KinesisXAcct.Writing
{
    /// <summary>A record to write, checked against the PutRecords limits when made.</summary>
    public sealed class OutgoingRecord
    {
        /// <summary>Kinesis' limit on data plus partition key, per record.</summary>
        public const int MaxRecordBytes = 1024 * 1024;

        public OutgoingRecord(byte[] data, string partitionKey, string explicitHashKey = null, object source = null)
        {
            if (string.IsNullOrEmpty(partitionKey) || partitionKey.Length > 256)
            {
                throw KinesisXAcctException.InvalidArgument(
                    "InvalidPartitionKey",
                    $"A partition key must be 1 to 256 characters (got {(partitionKey == null ? "none" : partitionKey.Length + " characters")}).",
                    source);
            }

            Data = data ?? new byte[0];
            PartitionKey = partitionKey;
            ExplicitHashKey = explicitHashKey;
            Source = source;
            Size = Data.Length + Encoding.UTF8.GetByteCount(partitionKey);
            if (Size > MaxRecordBytes)
            {
                throw KinesisXAcctException.InvalidArgument(
                    "RecordTooLarge",
                    $"A record of {Size:N0} bytes (data plus partition key) is over Kinesis' 1 MiB limit per record; split or compress the payload.",
                    source);
            }
        }

        public byte[] Data { get; }
        public string PartitionKey { get; }
        public string ExplicitHashKey { get; }
        /// <summary>What the caller passed in, to name it in a per-record error.</summary>
        public object Source { get; }
        /// <summary>Bytes counted toward the 5 MiB per call.</summary>
        public int Size { get; }
    }
}
