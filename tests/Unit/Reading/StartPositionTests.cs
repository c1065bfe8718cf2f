using KinesisXAcct.Kinesis;
using KinesisXAcct.Reading;
using Xunit;

namespace KinesisXAcct.Tests.Unit.Reading;

public class StartPositionTests
{
    private static readonly DateTimeOffset Since = new(2024, 5, 1, 12, 30, 0, TimeSpan.Zero);

    public static TheoryData<string, StartPosition, ShardIteratorType, string> ChildStarts => new()
    {
        { "trim horizon", StartPosition.TrimHorizon, ShardIteratorType.TrimHorizon, null },
        { "latest: a child holds only records newer than its parent's", StartPosition.Latest, ShardIteratorType.TrimHorizon, null },
        { "at sequence number: the number belongs to the parent", StartPosition.AtSequenceNumber("49"), ShardIteratorType.TrimHorizon, null },
        { "after sequence number", StartPosition.AfterSequenceNumber("49"), ShardIteratorType.TrimHorizon, null },
        { "at timestamp: still applies", StartPosition.AtTimestamp(Since), ShardIteratorType.AtTimestamp, null },
    };

    [Theory]
    [MemberData(nameof(ChildStarts))]
    public void A_child_shard_starts_at_its_beginning_unless_a_timestamp_was_given(string what, StartPosition start, ShardIteratorType childType, string childSequence)
    {
        StartPosition child = start.ForChildShard();

        Assert.True(childType == child.Type, what);
        Assert.Equal(childSequence, child.SequenceNumber);
        Assert.Equal(start.Type == ShardIteratorType.AtTimestamp ? Since : null, child.Timestamp);
    }

    [Fact]
    public void A_start_position_becomes_a_GetShardIterator_request_for_the_shard()
    {
        var stream = StreamIdentity.FromArn("arn:aws:kinesis:us-east-1:111122223333:stream/orders");

        GetShardIteratorRequest request = StartPosition.AfterSequenceNumber("4959").ToRequest(stream, "shardId-000000000003");

        Assert.Same(stream, request.Stream);
        Assert.Equal("shardId-000000000003", request.ShardId);
        Assert.Equal(ShardIteratorType.AfterSequenceNumber, request.IteratorType);
        Assert.Equal("4959", request.StartingSequenceNumber);
        Assert.Null(request.Timestamp);
    }

    [Theory]
    [InlineData("TRIM_HORIZON")]
    [InlineData("LATEST")]
    [InlineData("AT_SEQUENCE_NUMBER 4959")]
    [InlineData("AFTER_SEQUENCE_NUMBER 4959")]
    [InlineData("AT_TIMESTAMP 2024-05-01T12:30:00.0000000+00:00")]
    public void A_start_position_describes_itself_in_the_APIs_terms(string expected)
    {
        StartPosition position = expected.Split(' ')[0] switch
        {
            "TRIM_HORIZON" => StartPosition.TrimHorizon,
            "LATEST" => StartPosition.Latest,
            "AT_SEQUENCE_NUMBER" => StartPosition.AtSequenceNumber("4959"),
            "AFTER_SEQUENCE_NUMBER" => StartPosition.AfterSequenceNumber("4959"),
            _ => StartPosition.AtTimestamp(Since),
        };

        Assert.Equal(expected, position.ToString());
    }
}
