using System;

namespace KinesisXAcct
{
    /// <summary>One record read from a stream. <see cref="Data"/> holds the payload bytes as stored.</summary>
    public sealed class KinesisRecord
    {
        private string _text;

        internal KinesisRecord(string streamName, string shardId, string sequenceNumber, long? subSequenceNumber,
            string partitionKey, string explicitHashKey, DateTime? approximateArrivalTimestamp, byte[] data)
        {
            StreamName = streamName;
            ShardId = shardId;
            SequenceNumber = sequenceNumber;
            SubSequenceNumber = subSequenceNumber;
            PartitionKey = partitionKey;
            ExplicitHashKey = explicitHashKey;
            ApproximateArrivalTimestamp = approximateArrivalTimestamp;
            Data = data;
        }

        public string StreamName { get; }
        public string ShardId { get; }
        /// <summary>Unique within the shard; records of a shard come out in this order.</summary>
        public string SequenceNumber { get; }
        /// <summary>Position inside a KPL aggregate; null for a plain record.</summary>
        public long? SubSequenceNumber { get; }
        public string PartitionKey { get; }
        /// <summary>Only for user records of a KPL aggregate that carry one.</summary>
        public string ExplicitHashKey { get; }
        /// <summary>When Kinesis accepted the record (UTC).</summary>
        public DateTime? ApproximateArrivalTimestamp { get; }
        public byte[] Data { get; }

        /// <summary>The payload as UTF-8 text, inflated first when it is gzip (decoded on first use).</summary>
        public string Text => _text ?? (_text = Decoding.Payload.Text(Data));

        public override string ToString() => Text;
    }
}
