using System;
using System.Collections.Generic;

// Wire-level shapes of the Kinesis JSON 1.1 API, limited to the fields the module uses.
// Names follow the API so a reader can hold them against the AWS reference.
namespace KinesisXAcct.Kinesis
{
    /// <summary>A stream named by name or by ARN (the API accepts either; ARN wins when both are set).</summary>
    public sealed class StreamIdentity
    {
        public StreamIdentity(string name, string arn)
        {
            Name = name;
            Arn = arn;
        }

        public string Name { get; }
        public string Arn { get; }

        public static StreamIdentity FromName(string name) => new StreamIdentity(name, null);
        public static StreamIdentity FromArn(string arn) => new StreamIdentity(ArnStreamName(arn), arn);

        /// <summary>For messages: the name when known, else the ARN.</summary>
        public string Display => Name ?? Arn;

        /// <summary><c>arn:aws:kinesis:us-east-1:111122223333:stream/orders</c> → <c>orders</c>.</summary>
        public static string ArnStreamName(string arn)
        {
            if (arn == null) return null;
            int slash = arn.IndexOf(":stream/", StringComparison.Ordinal);
            return slash < 0 ? null : arn.Substring(slash + ":stream/".Length);
        }

        public override string ToString() => Display;
    }

    public sealed class ListStreamsRequest
    {
        public string NextToken { get; set; }
        public int? Limit { get; set; }
    }

    public sealed class ListStreamsResponse
    {
        public List<StreamSummaryEntry> Streams { get; } = new List<StreamSummaryEntry>();
        public bool HasMoreStreams { get; set; }
        public string NextToken { get; set; }
    }

    /// <summary>One entry of ListStreams' <c>StreamSummaries</c> (older servers send only <c>StreamNames</c>).</summary>
    public sealed class StreamSummaryEntry
    {
        public string StreamName { get; set; }
        public string StreamArn { get; set; }
        public string StreamStatus { get; set; }
        public string StreamMode { get; set; }
        public DateTimeOffset? CreatedAt { get; set; }
    }

    /// <summary>DescribeStreamSummary's <c>StreamDescriptionSummary</c>.</summary>
    public sealed class StreamSummary
    {
        public string StreamName { get; set; }
        public string StreamArn { get; set; }
        public string StreamStatus { get; set; }
        public string StreamMode { get; set; }
        public int? OpenShardCount { get; set; }
        public int? RetentionPeriodHours { get; set; }
        public string EncryptionType { get; set; }
        public DateTimeOffset? StreamCreationTimestamp { get; set; }
    }

    public sealed class ListShardsRequest
    {
        /// <summary>
        /// Needed on the first call; keep it set on later pages too. With a NextToken the client sends the token
        /// alone (AWS and kinesis-local refuse a stream with it) and names the stream again only if the server
        /// answers <c>InvalidToken</c> (moto, whose paginator wants the stream repeated).
        /// </summary>
        public StreamIdentity Stream { get; set; }
        public string NextToken { get; set; }
        public int? MaxResults { get; set; }
    }

    public sealed class ListShardsResponse
    {
        public List<ShardDescription> Shards { get; } = new List<ShardDescription>();
        public string NextToken { get; set; }
    }

    public sealed class ShardDescription
    {
        public string ShardId { get; set; }
        public string ParentShardId { get; set; }
        public string AdjacentParentShardId { get; set; }
        public string StartingHashKey { get; set; }
        public string EndingHashKey { get; set; }
        public string StartingSequenceNumber { get; set; }
        /// <summary>Set once the shard is closed (split, merged or scaled away).</summary>
        public string EndingSequenceNumber { get; set; }
    }

    public enum ShardIteratorType
    {
        TrimHorizon,
        Latest,
        AtTimestamp,
        AtSequenceNumber,
        AfterSequenceNumber,
    }

    public sealed class GetShardIteratorRequest
    {
        public StreamIdentity Stream { get; set; }
        public string ShardId { get; set; }
        public ShardIteratorType IteratorType { get; set; }
        public string StartingSequenceNumber { get; set; }
        public DateTimeOffset? Timestamp { get; set; }
    }

    public sealed class GetRecordsRequest
    {
        public string ShardIterator { get; set; }
        public int? Limit { get; set; }
        /// <summary>Sent only when set (real Kinesis wants it for cross-account ARN access).</summary>
        public string StreamArn { get; set; }
        /// <summary>Not sent: names the shard in logs and errors.</summary>
        public string ShardId { get; set; }
    }

    public sealed class GetRecordsResponse
    {
        public List<WireRecord> Records { get; } = new List<WireRecord>();
        /// <summary>Null once a closed shard has been read to its end.</summary>
        public string NextShardIterator { get; set; }
        public long? MillisBehindLatest { get; set; }
        /// <summary>Present at the end of a closed shard: the shards that took over its hash range.</summary>
        public List<ChildShard> ChildShards { get; } = new List<ChildShard>();
    }

    public sealed class WireRecord
    {
        public string SequenceNumber { get; set; }
        public DateTimeOffset? ApproximateArrivalTimestamp { get; set; }
        public byte[] Data { get; set; }
        public string PartitionKey { get; set; }
        public string EncryptionType { get; set; }
    }

    public sealed class ChildShard
    {
        public string ShardId { get; set; }
        public List<string> ParentShards { get; } = new List<string>();
        public string StartingHashKey { get; set; }
        public string EndingHashKey { get; set; }
    }

    public sealed class PutRecordsRequest
    {
        public StreamIdentity Stream { get; set; }
        public List<PutRecordsEntry> Records { get; } = new List<PutRecordsEntry>();
    }

    public sealed class PutRecordsEntry
    {
        public byte[] Data { get; set; }
        public string PartitionKey { get; set; }
        public string ExplicitHashKey { get; set; }
    }

    public sealed class PutRecordsResponse
    {
        public int FailedRecordCount { get; set; }
        /// <summary>One result per request entry, in the same order.</summary>
        public List<PutRecordsResultEntry> Records { get; } = new List<PutRecordsResultEntry>();
    }

    public sealed class PutRecordsResultEntry
    {
        public string SequenceNumber { get; set; }
        public string ShardId { get; set; }
        /// <summary>Set when this entry was rejected (e.g. ProvisionedThroughputExceededException).</summary>
        public string ErrorCode { get; set; }
        public string ErrorMessage { get; set; }
    }
}
