using System;
using KinesisXAcct.Kinesis;

namespace KinesisXAcct.Reading
{
    /// <summary>Where reading a shard begins.</summary>
    public sealed class StartPosition
    {
        private StartPosition(ShardIteratorType type, DateTimeOffset? timestamp, string sequenceNumber, long? skipThroughSubSequence = null)
        {
            Type = type;
            Timestamp = timestamp;
            SequenceNumber = sequenceNumber;
            SkipThroughSubSequence = skipThroughSubSequence;
        }

        public ShardIteratorType Type { get; }
        public DateTimeOffset? Timestamp { get; }
        public string SequenceNumber { get; }

        /// <summary>
        /// Resuming inside a KPL aggregate: the user records of <see cref="SequenceNumber"/> up to and
        /// including this sub-sequence were delivered already and are skipped.
        /// </summary>
        public long? SkipThroughSubSequence { get; }

        public static readonly StartPosition TrimHorizon = new StartPosition(ShardIteratorType.TrimHorizon, null, null);
        public static readonly StartPosition Latest = new StartPosition(ShardIteratorType.Latest, null, null);

        public static StartPosition AtTimestamp(DateTimeOffset timestamp) => new StartPosition(ShardIteratorType.AtTimestamp, timestamp, null);
        public static StartPosition AtSequenceNumber(string sequenceNumber, long? skipThroughSubSequence = null) =>
            new StartPosition(ShardIteratorType.AtSequenceNumber, null, sequenceNumber, skipThroughSubSequence);
        public static StartPosition AfterSequenceNumber(string sequenceNumber) => new StartPosition(ShardIteratorType.AfterSequenceNumber, null, sequenceNumber);

        /// <summary>
        /// Where a child shard starts once its parents are done: from its beginning, except that a
        /// timestamp still applies (the child may hold records from before it).
        /// </summary>
        public StartPosition ForChildShard() => Type == ShardIteratorType.AtTimestamp ? this : TrimHorizon;

        public GetShardIteratorRequest ToRequest(StreamIdentity stream, string shardId) => new GetShardIteratorRequest
        {
            Stream = stream,
            ShardId = shardId,
            IteratorType = Type,
            Timestamp = Timestamp,
            StartingSequenceNumber = SequenceNumber,
        };

        public override string ToString() => Type switch
        {
            ShardIteratorType.AtTimestamp => $"AT_TIMESTAMP {Timestamp:O}",
            ShardIteratorType.AtSequenceNumber => $"AT_SEQUENCE_NUMBER {SequenceNumber}",
            ShardIteratorType.AfterSequenceNumber => $"AFTER_SEQUENCE_NUMBER {SequenceNumber}",
            ShardIteratorType.Latest => "LATEST",
            _ => "TRIM_HORIZON",
        };
    }
}
