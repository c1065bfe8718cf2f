using System.Collections.Generic;

namespace KinesisXAcct.Reading
{
    /// <summary>The decoded records of one GetRecords answer for one shard, handed to the pipeline thread.</summary>
    public sealed class RecordBatch
    {
        public RecordBatch(string streamName, string shardId, IReadOnlyList<KinesisRecord> records, long? millisBehindLatest)
        {
            StreamName = streamName;
            ShardId = shardId;
            Records = records;
            MillisBehindLatest = millisBehindLatest;
        }

        public string StreamName { get; }
        public string ShardId { get; }
        /// <summary>In sequence order.</summary>
        public IReadOnlyList<KinesisRecord> Records { get; }
        public long? MillisBehindLatest { get; }
    }
}
