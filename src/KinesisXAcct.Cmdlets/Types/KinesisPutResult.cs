namespace KinesisXAcct
{
    /// <summary>Where one written record landed, as <c>Write-KinesisRecord -PassThru</c> returns it.</summary>
    public sealed class KinesisPutResult
    {
        internal KinesisPutResult(string streamName, string shardId, string sequenceNumber, string partitionKey)
        {
            StreamName = streamName;
            ShardId = shardId;
            SequenceNumber = sequenceNumber;
            PartitionKey = partitionKey;
        }

        public string StreamName { get; }
        public string ShardId { get; }
        public string SequenceNumber { get; }
        public string PartitionKey { get; }

        public override string ToString() => $"{ShardId}/{SequenceNumber}";
    }
}
