using System.Diagnostics;
using KinesisXAcct.Errors;
using KinesisXAcct.Kinesis;
using KinesisXAcct.Reading;
using KinesisXAcct.Tests.Unit.Fakes;
using Xunit;

namespace KinesisXAcct.Tests.Unit.Reading;

public class FollowAndCancellationTests
{
    private static FakeKinesis Shards(int count, int recordsEach = 0)
    {
        var fake = new FakeKinesis();
        for (int s = 0; s < count; s++)
        {
            string id = $"shardId-00000000000{s}";
            fake.AddShard(id);
            for (int i = 0; i < recordsEach; i++) fake.AppendKeyed(id, $"s{s}-r{i}", $"k{s}");
        }

        return fake;
    }

    private static ReadOptions Follow(FakeKinesis fake, TimeSpan idle)
    {
        ReadOptions options = ReadHarness.Options(fake);
        options.Follow = true;
        options.IdlePollInterval = idle;
        return options;
    }

    [Fact]
    public async Task Follow_delivers_records_appended_after_the_read_caught_up()
    {
        FakeKinesis fake = Shards(2, recordsEach: 2);
        await using RunningRead read = ReadHarness.Start(fake, Follow(fake, TimeSpan.FromMilliseconds(10)));
        Assert.True(await read.WaitForRecordsAsync(4));
        Assert.True(await ReadHarness.EventuallyAsync(() => fake.GetRecordsCalls("shardId-000000000001").Count >= 2), "the read should still be polling at the tip");

        fake.Append("shardId-000000000001", "late-1");
        fake.Append("shardId-000000000000", "late-0");

        Assert.True(await read.WaitForRecordsAsync(6), "appended records were not delivered");
        Assert.False(read.Run.IsCompleted, "a following read must not end by itself");
        Assert.Equal(new[] { "s1-r0", "s1-r1", "late-1" }, read.Received.Where(r => r.ShardId == "shardId-000000000001").Select(r => r.Text));
        Assert.Equal(6, read.Received.Select(r => r.SequenceNumber).Distinct().Count());
    }

    [Fact]
    public async Task Latest_with_follow_delivers_only_records_that_arrive_after_the_read_began()
    {
        FakeKinesis fake = Shards(1, recordsEach: 3);
        ReadOptions options = Follow(fake, TimeSpan.FromMilliseconds(10));
        options.Start = StartPosition.Latest;
        await using RunningRead read = ReadHarness.Start(fake, options);
        Assert.True(await ReadHarness.EventuallyAsync(() => fake.GetRecordsCalls().Count >= 1));

        fake.Append("shardId-000000000000", "new");

        Assert.True(await read.WaitForRecordsAsync(1));
        await Task.Delay(50);
        Assert.Equal(new[] { "new" }, read.Received.Select(r => r.Text));
    }

    [Fact]
    public async Task Cancelling_a_follow_read_stops_it_promptly_even_in_the_middle_of_a_long_idle_wait()
    {
        FakeKinesis fake = Shards(3, recordsEach: 1);
        await using RunningRead read = ReadHarness.Start(fake, Follow(fake, TimeSpan.FromSeconds(30)));
        Assert.True(await read.WaitForRecordsAsync(3));
        Assert.True(await ReadHarness.EventuallyAsync(() => fake.GetRecordsCalls().Count >= 3));

        var clock = Stopwatch.StartNew();
        read.Cts.Cancel();
        Exception e = await Record.ExceptionAsync(() => read.Run.WaitAsync(TimeSpan.FromSeconds(5)));

        Assert.IsAssignableFrom<OperationCanceledException>(e);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task Cancelling_stops_every_shard_reader_so_no_call_is_made_afterwards()
    {
        FakeKinesis fake = Shards(4, recordsEach: 1);
        await using RunningRead read = ReadHarness.Start(fake, Follow(fake, TimeSpan.FromMilliseconds(5)));
        Assert.True(await ReadHarness.EventuallyAsync(() => Enumerable.Range(0, 4).All(s => fake.GetRecordsCalls($"shardId-00000000000{s}").Count >= 3)));

        read.Cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read.Run.WaitAsync(TimeSpan.FromSeconds(5)));
        int callsAtStop = fake.Calls.Count;
        await Task.Delay(100);

        Assert.Equal(callsAtStop, fake.Calls.Count);
    }

    [Fact]
    public async Task A_failure_in_one_shard_fails_the_read_with_that_error_and_cancels_the_other_shards()
    {
        FakeKinesis fake = Shards(3, recordsEach: 2);
        fake.FailGetRecords("shardId-000000000001", 3, "AccessDeniedException");
        var clock = Stopwatch.StartNew();
        await using RunningRead read = ReadHarness.Start(fake, Follow(fake, TimeSpan.FromMilliseconds(200)));

        Exception e = await Record.ExceptionAsync(() => read.Run.WaitAsync(TimeSpan.FromSeconds(5)));

        var failure = Assert.IsType<KinesisServiceException>(e);
        Assert.Equal("AccessDeniedException", failure.ErrorCode);
        Assert.Equal(FailureKind.PermissionDenied, failure.Kind);
        Assert.Equal("KinesisAccessDenied", failure.ErrorId);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"the other shards held the failure back for {clock.Elapsed}");
        int callsAtFailure = fake.Calls.Count;
        await Task.Delay(250);
        Assert.Equal(callsAtFailure, fake.Calls.Count);
    }

    [Theory]
    [InlineData("InternalFailure")]                          // 5xx past the client's retries
    [InlineData("ProvisionedThroughputExceededException")]   // throttled past the client's retries
    public async Task A_follower_rides_out_an_outage_and_resumes_after_the_last_delivered_record(string failure)
    {
        FakeKinesis fake = Shards(1, recordsEach: 2);
        fake.FailGetRecords("shardId-000000000000", 3, failure, f => f.Append("shardId-000000000000", "during-outage"));
        ReadOptions options = Follow(fake, TimeSpan.FromMilliseconds(10));
        options.MaxOutageBackoff = TimeSpan.FromMilliseconds(20);
        await using RunningRead read = ReadHarness.Start(fake, options);

        Assert.True(await read.WaitForRecordsAsync(3), "the read did not come back after the outage");
        await Task.Delay(50);

        Assert.Equal(new[] { "s0-r0", "s0-r1", "during-outage" }, read.Received.Select(r => r.Text));
        Assert.False(read.Run.IsCompleted);
        ApiCall renewed = fake.IteratorCalls().Last();
        Assert.Equal(ShardIteratorType.AfterSequenceNumber, renewed.IteratorType);
        Assert.Equal(fake.RecordsOf("shardId-000000000000")[1].SequenceNumber, renewed.SequenceNumber);
    }

    [Theory]
    [InlineData("InternalFailure")]
    [InlineData("ExpiredIteratorException")]
    public async Task A_follower_from_LATEST_loses_no_record_that_arrives_while_its_iterator_is_renewed_before_any_record(string failure)
    {
        // LATEST names no position: coming back at LATEST would skip what arrived during the outage.
        var fake = new FakeKinesis();
        fake.AddShard("shardId-000000000000");
        fake.AppendKeyed("shardId-000000000000", "before-the-read", "k", DateTimeOffset.UtcNow.AddMinutes(-10));
        fake.FailGetRecords("shardId-000000000000", 2, failure,
            f => f.AppendKeyed("shardId-000000000000", "during-outage", "k", DateTimeOffset.UtcNow));
        ReadOptions options = Follow(fake, TimeSpan.FromMilliseconds(10));
        options.Start = StartPosition.Latest;
        options.MaxOutageBackoff = TimeSpan.FromMilliseconds(20);
        await using RunningRead read = ReadHarness.Start(fake, options);

        Assert.True(await read.WaitForRecordsAsync(1, TimeSpan.FromSeconds(3)), "the record that arrived during the outage was skipped");
        await Task.Delay(50);

        Assert.Equal(new[] { "during-outage" }, read.Received.Select(r => r.Text));
    }

    [Fact]
    public async Task Without_follow_an_outage_past_the_clients_retries_fails_the_read()
    {
        FakeKinesis fake = Shards(1, recordsEach: 2);
        fake.FailGetRecords("shardId-000000000000", 1, "InternalFailure");

        var e = await Assert.ThrowsAsync<KinesisServiceException>(() => ReadHarness.ReadAsync(fake, ReadHarness.Options(fake)));

        Assert.Equal(500, e.StatusCode);
    }

    [Fact]
    public async Task A_read_cancelled_before_it_starts_makes_no_shard_calls()
    {
        FakeKinesis fake = Shards(2, recordsEach: 1);
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var channel = System.Threading.Channels.Channel.CreateUnbounded<RecordBatch>();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new StreamRecordReader(fake, ReadHarness.Options(fake)).RunAsync(channel.Writer, cts.Token));

        Assert.Empty(fake.IteratorCalls());
        Assert.Empty(fake.GetRecordsCalls());
    }
}
