using System;
using System.Collections.Generic;

namespace KinesisXAcct.Reading
{
    public enum ShardEvent
    {
        /// <summary>Records, in sequence order.</summary>
        Records,
        /// <summary>The shard's read began at <see cref="RecordBatch.Start"/>.</summary>
        Started,
        /// <summary>The shard is closed and was read to its end.</summary>
        Finished,
    }

    /// <summary>
    /// What a shard reader hands to the pipeline thread, in order: its start, batches of records,
    /// and (for a closed shard) its end. Checkpoints follow these events as the pipeline receives them.
    /// </summary>
    public sealed class RecordBatch
    {
        private static readonly KinesisRecord[] None = Array.Empty<KinesisRecord>();

        public RecordBatch(string streamName, string shardId, IReadOnlyList<KinesisRecord> records, long? millisBehindLatest)
        {
            StreamName = streamName;
            ShardId = shardId;
            Records = records;
            MillisBehindLatest = millisBehindLatest;
        }

        public string StreamName { get; }
        public string ShardId { get; }
        public ShardEvent Event { get; private set; }
        /// <summary>In sequence order.</summary>
        public IReadOnlyList<KinesisRecord> Records { get; }
        public long? MillisBehindLatest { get; }
        /// <summary>For <see cref="ShardEvent.Started"/>.</summary>
        public StartPosition Start { get; private set; }
        /// <summary>For <see cref="ShardEvent.Finished"/>: the shard's last sequence number read, if any.</summary>
        public string LastSequenceNumber { get; private set; }

        public static RecordBatch Started(string streamName, string shardId, StartPosition start) =>
            new RecordBatch(streamName, shardId, None, null) { Event = ShardEvent.Started, Start = start };

        public static RecordBatch Finished(string streamName, string shardId, string lastSequenceNumber) =>
            new RecordBatch(streamName, shardId, None, null) { Event = ShardEvent.Finished, LastSequenceNumber = lastSequenceNumber };
    }
}
