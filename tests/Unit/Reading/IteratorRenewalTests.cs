using KinesisXAcct.Kinesis;
using KinesisXAcct.Reading;
using KinesisXAcct.Tests.Unit.Fakes;
using Xunit;

namespace KinesisXAcct.Tests.Unit.Reading;

/// <summary>An expired iterator is renewed where the read left off: nothing lost, nothing repeated.</summary>
public class IteratorRenewalTests
{
    private const string Shard = "shardId-000000000000";

    private static FakeKinesis OneShard(int records)
    {
        var fake = new FakeKinesis();
        fake.AddShard(Shard);
        fake.Append(Shard, Enumerable.Range(0, records).Select(i => $"r{i}").ToArray());
        return fake;
    }

    [Theory]
    [InlineData(3)]
    [InlineData(2)]
    [InlineData(4)]
    public async Task An_expired_iterator_is_renewed_after_the_last_delivered_record_so_nothing_is_lost_or_repeated(int expiringCall)
    {
        FakeKinesis fake = OneShard(10);
        fake.ExpireIteratorOnGetRecords(Shard, expiringCall);
        int deliveredBefore = (expiringCall - 1) * 3;
        var observer = new RecordingObserver();

        ReadResult result = await ReadHarness.ReadAsync(fake, ReadHarness.Options(fake, batchSize: 3), observer);

        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"r{i}"), result.Texts);
        IReadOnlyList<ApiCall> iterators = fake.IteratorCalls(Shard);
        Assert.Equal(2, iterators.Count);
        Assert.Equal(ShardIteratorType.TrimHorizon, iterators[0].IteratorType);
        Assert.Equal(ShardIteratorType.AfterSequenceNumber, iterators[1].IteratorType);
        Assert.Equal(fake.RecordsOf(Shard)[deliveredBefore - 1].SequenceNumber, iterators[1].SequenceNumber);
        Assert.Contains(observer.Notices, n => n.Message.Contains("expired"));
    }

    private static StartPosition StartOf(ShardIteratorType type, FakeKinesis fake) => type switch
    {
        ShardIteratorType.TrimHorizon => StartPosition.TrimHorizon,
        ShardIteratorType.AtTimestamp => StartPosition.AtTimestamp(FakeKinesis.BaseTime.AddSeconds(3)),
        ShardIteratorType.AtSequenceNumber => StartPosition.AtSequenceNumber(fake.RecordsOf(Shard)[4].SequenceNumber),
        ShardIteratorType.AfterSequenceNumber => StartPosition.AfterSequenceNumber(fake.RecordsOf(Shard)[4].SequenceNumber),
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    [Theory]
    [InlineData(ShardIteratorType.TrimHorizon, 0)]
    [InlineData(ShardIteratorType.AtTimestamp, 2)]
    [InlineData(ShardIteratorType.AtSequenceNumber, 4)]
    [InlineData(ShardIteratorType.AfterSequenceNumber, 5)]
    public async Task An_iterator_that_expires_before_any_record_was_delivered_is_renewed_at_the_original_start(ShardIteratorType type, int firstIndex)
    {
        FakeKinesis fake = OneShard(8);
        fake.ExpireIteratorOnGetRecords(Shard, 1);
        ReadOptions options = ReadHarness.Options(fake);
        options.Start = StartOf(type, fake);

        ReadResult result = await ReadHarness.ReadAsync(fake, options);

        Assert.Equal(Enumerable.Range(firstIndex, 8 - firstIndex).Select(i => $"r{i}"), result.Texts);
        IReadOnlyList<ApiCall> iterators = fake.IteratorCalls(Shard);
        Assert.Equal(2, iterators.Count);
        Assert.All(iterators, c =>
        {
            Assert.Equal(type, c.IteratorType);
            Assert.Equal(options.Start.SequenceNumber, c.SequenceNumber);
            Assert.Equal(options.Start.Timestamp, c.Timestamp);
        });
    }

    [Fact]
    public async Task Renewals_are_counted_per_streak_so_expiries_spread_over_a_long_read_never_exhaust_them()
    {
        FakeKinesis fake = OneShard(12);
        fake.ExpireIteratorOnGetRecords(Shard, 2, 4, 6, 8);
        ReadOptions options = ReadHarness.Options(fake, batchSize: 2);
        options.MaxIteratorRenewals = 1;

        ReadResult result = await ReadHarness.ReadAsync(fake, options);

        Assert.Equal(Enumerable.Range(0, 12).Select(i => $"r{i}"), result.Texts);
        Assert.Equal(5, fake.IteratorCalls(Shard).Count);
    }

    [Fact]
    public async Task An_iterator_that_keeps_expiring_fails_the_read_after_the_allowed_renewals()
    {
        FakeKinesis fake = OneShard(3);
        fake.ExpireIteratorOnGetRecords(Shard, Enumerable.Range(1, 50).ToArray());
        ReadOptions options = ReadHarness.Options(fake);
        options.MaxIteratorRenewals = 2;

        var e = await Assert.ThrowsAsync<KinesisServiceException>(() => ReadHarness.ReadAsync(fake, options));

        Assert.True(e.IsExpiredIterator);
        Assert.Equal(3, fake.GetRecordsCalls(Shard).Count);
        Assert.Equal(3, fake.IteratorCalls(Shard).Count); // the first and two renewals
    }

    [Fact]
    public async Task A_renewed_iterator_of_a_closed_shard_still_reaches_its_end_and_its_children()
    {
        var fake = new FakeKinesis();
        fake.AddShard(Shard, closed: true);
        fake.AddShard("shardId-000000000001", parent: Shard, listed: false);
        fake.Append(Shard, "p0", "p1", "p2", "p3");
        fake.Append("shardId-000000000001", "c0");
        fake.ExpireIteratorOnGetRecords(Shard, 2);

        ReadResult result = await ReadHarness.ReadAsync(fake, ReadHarness.Options(fake, batchSize: 2));

        Assert.Equal(new[] { "p0", "p1", "p2", "p3", "c0" }, result.Texts);
    }
}
