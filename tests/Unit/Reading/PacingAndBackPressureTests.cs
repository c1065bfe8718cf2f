using KinesisXAcct.Reading;
using KinesisXAcct.Tests.Unit.Fakes;
using Xunit;

namespace KinesisXAcct.Tests.Unit.Reading;

public class PacingAndBackPressureTests
{
    private static readonly TimeSpan Tolerance = TimeSpan.FromMilliseconds(5);

    private static void AssertGapsAtLeast(IReadOnlyList<TimeSpan> times, TimeSpan least)
    {
        for (int i = 1; i < times.Count; i++)
        {
            TimeSpan gap = times[i] - times[i - 1];
            Assert.True(gap >= least - Tolerance, $"GetRecords calls {i} and {i + 1} were only {gap.TotalMilliseconds:F1} ms apart (want >= {least.TotalMilliseconds} ms)");
        }
    }

    private const string Shard = "shardId-000000000000";
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>Reads <paramref name="fake"/>'s one shard a record per call with a 50 ms pace; the GetRecords call times.</summary>
    private static async Task<IReadOnlyList<TimeSpan>> ReadOneRecordPerCallAsync(FakeKinesis fake)
    {
        ReadOptions options = ReadHarness.Options(fake, batchSize: 1);
        options.MinPollInterval = PollInterval;
        await ReadHarness.ReadAsync(fake, options);
        return fake.GetRecordsTimes(Shard);
    }

    [Fact]
    public async Task Consecutive_GetRecords_calls_on_one_shard_are_at_least_the_minimum_poll_interval_apart()
    {
        var fake = new FakeKinesis();
        fake.AddShard(Shard);
        fake.Append(Shard, "a", "b", "c", "d", "e");

        IReadOnlyList<TimeSpan> times = await ReadOneRecordPerCallAsync(fake);

        Assert.Equal(6, times.Count);
        AssertGapsAtLeast(times, PollInterval);
    }

    [Fact]
    public async Task The_interval_counts_from_each_GetRecords_call_not_from_before_a_slow_GetShardIterator()
    {
        var fake = new FakeKinesis { GetShardIteratorLatency = TimeSpan.FromMilliseconds(40) };
        fake.AddShard(Shard);
        fake.Append(Shard, "a", "b", "c");
        // The iterator expires on the second call: a new one (another 40 ms) comes between calls 2 and 3.
        fake.ExpireIteratorOnGetRecords(Shard, 2);

        IReadOnlyList<TimeSpan> times = await ReadOneRecordPerCallAsync(fake);

        Assert.Equal(5, times.Count);
        AssertGapsAtLeast(times, PollInterval);
    }

    [Fact]
    public async Task Pacing_is_per_shard_so_shards_are_polled_side_by_side()
    {
        var fake = new FakeKinesis();
        fake.AddShard("shardId-000000000000");
        fake.AddShard("shardId-000000000001");
        fake.Append("shardId-000000000000", "a0", "a1", "a2", "a3");
        fake.Append("shardId-000000000001", "b0", "b1", "b2", "b3");
        ReadOptions options = ReadHarness.Options(fake, batchSize: 1);
        options.MinPollInterval = TimeSpan.FromMilliseconds(50);

        await ReadHarness.ReadAsync(fake, options);

        IReadOnlyList<TimeSpan> a = fake.GetRecordsTimes("shardId-000000000000");
        IReadOnlyList<TimeSpan> b = fake.GetRecordsTimes("shardId-000000000001");
        AssertGapsAtLeast(a, options.MinPollInterval);
        AssertGapsAtLeast(b, options.MinPollInterval);
        Assert.True(b[0] < a[^1] && a[0] < b[^1], "one shard waited for the other instead of being read in parallel");
    }

    [Fact]
    public async Task A_caught_up_shard_under_follow_waits_the_idle_interval_before_polling_again()
    {
        var fake = new FakeKinesis();
        fake.AddShard("shardId-000000000000");
        fake.Append("shardId-000000000000", "a");
        ReadOptions options = ReadHarness.Options(fake);
        options.Follow = true;
        options.IdlePollInterval = TimeSpan.FromMilliseconds(80);
        await using RunningRead read = ReadHarness.Start(fake, options);

        Assert.True(await ReadHarness.EventuallyAsync(() => fake.GetRecordsCalls().Count >= 4));

        AssertGapsAtLeast(fake.GetRecordsTimes("shardId-000000000000").Take(4).ToList(), options.IdlePollInterval);
    }

    [Fact]
    public async Task A_shard_that_is_behind_is_read_again_after_the_minimum_interval_not_the_idle_one()
    {
        var fake = new FakeKinesis();
        fake.AddShard("shardId-000000000000");
        fake.Append("shardId-000000000000", Enumerable.Range(0, 6).Select(i => $"r{i}").ToArray());
        ReadOptions options = ReadHarness.Options(fake, batchSize: 2);
        options.Follow = true;
        options.IdlePollInterval = TimeSpan.FromSeconds(30);
        await using RunningRead read = ReadHarness.Start(fake, options);

        Assert.True(await read.WaitForRecordsAsync(6, TimeSpan.FromSeconds(3)), "a shard that was behind waited the idle interval");
    }

    [Fact]
    public async Task A_full_channel_holds_the_shard_reader_back_so_it_does_not_fetch_unboundedly()
    {
        var fake = new FakeKinesis();
        fake.AddShard("shardId-000000000000");
        fake.Append("shardId-000000000000", Enumerable.Range(0, 200).Select(i => $"r{i}").ToArray());
        ReadOptions options = ReadHarness.Options(fake, batchSize: 10);
        await using RunningRead read = ReadHarness.Start(fake, options, channelCapacity: 1, consume: false);

        Assert.True(await ReadHarness.EventuallyAsync(() => fake.GetRecordsCalls().Count >= 1));
        await Task.Delay(200);

        // The shard's start event fills the one slot and the reader holds its first batch: it asks for no more until someone reads.
        Assert.Single(fake.GetRecordsCalls());
        Assert.False(read.Run.IsCompleted);

        _ = read.StartConsuming();
        await read.Run.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(await read.WaitForRecordsAsync(200, TimeSpan.FromSeconds(2)));
        Assert.Equal(Enumerable.Range(0, 200).Select(i => $"r{i}"), read.Received.Select(r => r.Text));
    }

    [Theory]
    [InlineData(12, 3, 11)]      // 8 free channel slots + 3 batches waiting
    [InlineData(12, 100, 20)]    // unbounded: 8 + one waiting batch per shard (12)
    [InlineData(20, null, 24)]   // the default: 8 + 16, though 20 shards could each hold one
    public async Task Batches_waiting_for_the_consumer_are_bounded_per_read_not_per_shard(int shardCount, int? maxInFlight, int expectedCalls)
    {
        var fake = new FakeKinesis();
        var shards = Enumerable.Range(0, shardCount).Select(i => $"shardId-{i:D12}").ToArray();
        foreach (string shard in shards)
        {
            fake.AddShard(shard);
            fake.Append(shard, Enumerable.Range(0, 50).Select(i => $"{shard}/{i}").ToArray());
        }

        ReadOptions options = ReadHarness.Options(fake, batchSize: 10);
        if (maxInFlight.HasValue) options.MaxBatchesInFlight = maxInFlight.Value;
        // The shards' start events, then 8 batches; nobody reads yet.
        await using RunningRead read = ReadHarness.Start(fake, options, channelCapacity: shardCount + 8, consume: false);

        Assert.True(await ReadHarness.EventuallyAsync(() => fake.GetRecordsCalls().Count >= expectedCalls));
        await Task.Delay(300);
        Assert.Equal(expectedCalls, fake.GetRecordsCalls().Count);

        _ = read.StartConsuming();
        await read.Run.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(await read.WaitForRecordsAsync(shardCount * 50, TimeSpan.FromSeconds(2)));
        foreach (string shard in shards) // every record, each shard in order
            Assert.Equal(Enumerable.Range(0, 50).Select(i => $"{shard}/{i}"), read.Received.Where(r => r.ShardId == shard).Select(r => r.Text));
    }
}
