namespace KinesisXAcct
{
    /// <summary>One shard of a stream with its lineage, as <c>Get-KinesisShard</c> returns it.</summary>
    public sealed class KinesisShard
    {
        internal KinesisShard(string streamName, string streamArn, string shardId, string parentShardId,
            string adjacentParentShardId, string startingHashKey, string endingHashKey,
            string startingSequenceNumber, string endingSequenceNumber)
        {
            StreamName = streamName;
            StreamArn = streamArn;
            ShardId = shardId;
            ParentShardId = parentShardId;
            AdjacentParentShardId = adjacentParentShardId;
            StartingHashKey = startingHashKey;
            EndingHashKey = endingHashKey;
            StartingSequenceNumber = startingSequenceNumber;
            EndingSequenceNumber = endingSequenceNumber;
        }

        public string StreamName { get; }
        public string StreamArn { get; }
        public string ShardId { get; }
        /// <summary>The shard this one was split from, or the first of two merged shards.</summary>
        public string ParentShardId { get; }
        /// <summary>The second parent of a merge.</summary>
        public string AdjacentParentShardId { get; }
        public string StartingHashKey { get; }
        public string EndingHashKey { get; }
        public string StartingSequenceNumber { get; }
        /// <summary>Set once the shard is closed; no record will be added after it.</summary>
        public string EndingSequenceNumber { get; }
        /// <summary>True while the shard still takes new records.</summary>
        public bool IsOpen => EndingSequenceNumber == null;

        public override string ToString() => ShardId;
    }
}
