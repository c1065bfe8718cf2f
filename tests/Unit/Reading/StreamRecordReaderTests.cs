using KinesisXAcct.Errors;
using KinesisXAcct.Kinesis;
using KinesisXAcct.Reading;
using KinesisXAcct.Tests.Unit.Fakes;
using Xunit;

namespace KinesisXAcct.Tests.Unit.Reading;

public class StreamRecordReaderTests
{
    private static FakeKinesis FourShards(int recordsPerShard)
    {
        var fake = new FakeKinesis();
        for (int s = 0; s < 4; s++)
        {
            string id = $"shardId-00000000000{s}";
            fake.AddShard(id);
        }

        // Interleave appends so sequence numbers of different shards alternate, as on a busy stream.
        for (int i = 0; i < recordsPerShard; i++)
            for (int s = 0; s < 4; s++)
                fake.AppendKeyed($"shardId-00000000000{s}", $"s{s}-r{i}", partitionKey: $"key{s}");
        return fake;
    }

    [Theory]
    [InlineData(25, 7)]
    [InlineData(25, 25)]
    [InlineData(10, 10000)]
    [InlineData(0, 5)]
    public async Task Reading_from_trim_horizon_returns_every_record_of_four_shards_exactly_once_in_sequence_order_per_shard(int perShard, int batchSize)
    {
        FakeKinesis fake = FourShards(perShard);

        ReadResult result = await ReadHarness.ReadAsync(fake, ReadHarness.Options(fake, batchSize));

        Assert.Equal(
            fake.AllRecords.Select(r => (r.ShardId, r.SequenceNumber)).OrderBy(k => k).ToList(),
            result.Records.Select(r => (r.ShardId, r.SequenceNumber)).OrderBy(k => k).ToList());
        foreach (string shard in fake.AllRecords.Select(r => r.ShardId).Distinct())
        {
            Assert.Equal(fake.RecordsOf(shard).Select(r => r.SequenceNumber), result.RecordsOf(shard).Select(r => r.SequenceNumber));
        }

        Assert.All(fake.IteratorCalls(), c => Assert.Equal(ShardIteratorType.TrimHorizon, c.IteratorType));
        Assert.Equal(4, fake.IteratorCalls().Select(c => c.ShardId).Distinct().Count());
    }

    [Fact]
    public async Task Records_carry_the_stream_name_shard_partition_key_arrival_time_and_payload()
    {
        var fake = new FakeKinesis("clicks");
        fake.AddShard("shardId-000000000000");
        FakeRecord stored = fake.AppendKeyed("shardId-000000000000", "{\"a\":1}", "user-7");

        ReadResult result = await ReadHarness.ReadAsync(fake, ReadHarness.Options(fake));

        KinesisRecord record = Assert.Single(result.Records);
        Assert.Equal("clicks", record.StreamName);
        Assert.Equal("shardId-000000000000", record.ShardId);
        Assert.Equal(stored.SequenceNumber, record.SequenceNumber);
        Assert.Equal("user-7", record.PartitionKey);
        Assert.Equal(stored.ArrivedAt.UtcDateTime, record.ApproximateArrivalTimestamp);
        Assert.Equal("{\"a\":1}", record.Text);
        Assert.Null(record.SubSequenceNumber);
        RecordBatch batch = Assert.Single(result.Batches, b => b.Event == ShardEvent.Records);
        Assert.Equal("clicks", batch.StreamName);
        Assert.Equal(0, batch.MillisBehindLatest);
    }

    [Fact]
    public async Task Shards_listed_over_several_pages_are_all_read()
    {
        FakeKinesis fake = FourShards(3);
        fake.ListShardsPageSize = 1;

        ReadResult result = await ReadHarness.ReadAsync(fake, ReadHarness.Options(fake));

        Assert.Equal(12, result.Records.Count);
        Assert.Equal(4, fake.CallsOf("ListShards").Count);
    }

    [Fact]
    public async Task Shards_the_caller_listed_already_are_not_listed_again()
    {
        FakeKinesis fake = FourShards(5);
        List<ShardDescription> listed = await StreamRecordReader.ListAllShardsAsync(fake, fake.Stream, CancellationToken.None);
        int listCalls = fake.CallsOf("ListShards").Count;
        ReadOptions options = ReadHarness.Options(fake, batchSize: 100);
        options.ListedShards = listed;

        ReadResult result = await ReadHarness.ReadAsync(fake, options);

        Assert.Equal(20, result.Records.Count);
        Assert.Equal(listCalls, fake.CallsOf("ListShards").Count);
    }

    // ---- where a read stops -------------------------------------------------------------

    [Fact]
    public async Task Without_follow_an_open_shard_stops_at_the_tip_after_a_short_batch()
    {
        var fake = new FakeKinesis();
        fake.AddShard("shardId-000000000000");
        fake.Append("shardId-000000000000", "a", "b", "c");

        ReadResult result = await ReadHarness.ReadAsync(fake, ReadHarness.Options(fake, batchSize: 10));

        Assert.Equal(new[] { "a", "b", "c" }, result.Texts);
        Assert.Single(fake.GetRecordsCalls());
    }

    [Fact]
    public async Task A_full_batch_at_the_tip_does_not_stop_the_read_because_more_may_follow_it()
    {
        var fake = new FakeKinesis();
        fake.AddShard("shardId-000000000000");
        fake.Append("shardId-000000000000", "a", "b", "c");

        ReadResult result = await ReadHarness.ReadAsync(fake, ReadHarness.Options(fake, batchSize: 3));

        Assert.Equal(new[] { "a", "b", "c" }, result.Texts);
        IReadOnlyList<ApiCall> calls = fake.GetRecordsCalls();
        Assert.Equal(2, calls.Count);
        Assert.Equal(3, calls[0].Returned);
        Assert.Equal(0, calls[1].Returned);
    }

    [Fact]
    public async Task A_batch_cut_short_by_the_service_while_behind_is_followed_by_more_calls()
    {
        var fake = new FakeKinesis();
        fake.AddShard("shardId-000000000000");
        fake.Append("shardId-000000000000", Enumerable.Range(0, 10).Select(i => $"r{i}").ToArray());
        fake.MaxRecordsPerAnswer = 4;

        ReadResult result = await ReadHarness.ReadAsync(fake, ReadHarness.Options(fake, batchSize: 100));

        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"r{i}"), result.Texts);
        Assert.Equal(new[] { 4, 4, 2 }, fake.GetRecordsCalls().Select(c => c.Returned));
    }

    [Fact]
    public async Task An_empty_answer_while_behind_the_tip_is_a_gap_and_the_read_goes_on()
    {
        var fake = new FakeKinesis();
        fake.AddShard("shardId-000000000000");
        fake.Append("shardId-000000000000", "a", "b");
        fake.EmptyWhileBehind("shardId-000000000000", 3);

        ReadResult result = await ReadHarness.ReadAsync(fake, ReadHarness.Options(fake));

        Assert.Equal(new[] { "a", "b" }, result.Texts);
        Assert.Equal(new[] { 0, 0, 0, 2 }, fake.GetRecordsCalls().Select(c => c.Returned));
    }

    [Fact]
    public async Task An_empty_open_shard_is_read_once_and_ends_the_read()
    {
        var fake = new FakeKinesis();
        fake.AddShard("shardId-000000000000");

        ReadResult result = await ReadHarness.ReadAsync(fake, ReadHarness.Options(fake));

        Assert.Empty(result.Records);
        Assert.Single(fake.GetRecordsCalls());
    }

    [Fact]
    public async Task Records_appended_after_the_tip_was_reached_are_not_read_without_follow()
    {
        var fake = new FakeKinesis();
        fake.AddShard("shardId-000000000000");
        fake.Append("shardId-000000000000", "old");

        ReadResult first = await ReadHarness.ReadAsync(fake, ReadHarness.Options(fake));
        fake.Append("shardId-000000000000", "new");

        Assert.Equal(new[] { "old" }, first.Texts);
    }

    [Fact]
    public async Task Every_answer_is_reported_to_the_observer_with_how_far_behind_the_shard_is()
    {
        var fake = new FakeKinesis();
        fake.AddShard("shardId-000000000000");
        fake.Append("shardId-000000000000", "a", "b", "c");
        var observer = new RecordingObserver();

        await ReadHarness.ReadAsync(fake, ReadHarness.Options(fake, batchSize: 2), observer);

        Assert.Equal(
            new[] { ("shardId-000000000000", (long?)1000, 2), ("shardId-000000000000", (long?)0, 1) },
            observer.Progress.ToArray());
    }

    // ---- starting positions -------------------------------------------------------------

    [Fact]
    public async Task Latest_reads_only_open_shards_and_returns_nothing_that_was_there_before()
    {
        var fake = new FakeKinesis();
        fake.AddShard("shardId-000000000000", closed: true);
        fake.AddShard("shardId-000000000001", parent: "shardId-000000000000");
        fake.AddShard("shardId-000000000002", parent: "shardId-000000000000");
        fake.Append("shardId-000000000000", "p1", "p2");
        fake.Append("shardId-000000000001", "c1");
        fake.Append("shardId-000000000002", "c2");
        ReadOptions options = ReadHarness.Options(fake);
        options.Start = StartPosition.Latest;

        ReadResult result = await ReadHarness.ReadAsync(fake, options);

        Assert.Empty(result.Records);
        Assert.Equal(new[] { "shardId-000000000001", "shardId-000000000002" }, fake.IteratorCalls().Select(c => c.ShardId).OrderBy(s => s));
        Assert.All(fake.IteratorCalls(), c => Assert.Equal(ShardIteratorType.Latest, c.IteratorType));
        Assert.Empty(fake.GetRecordsCalls("shardId-000000000000"));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task At_timestamp_applies_the_timestamp_to_every_shard_including_children(bool childrenListed)
    {
        var fake = new FakeKinesis();
        fake.AddShard("shardId-000000000000", closed: true);
        fake.AddShard("shardId-000000000001", parent: "shardId-000000000000", listed: childrenListed);
        fake.AddShard("shardId-000000000002", parent: "shardId-000000000000", listed: childrenListed);
        for (int i = 0; i < 4; i++) fake.AppendKeyed("shardId-000000000000", $"p{i}", "k");
        for (int i = 0; i < 4; i++) fake.AppendKeyed("shardId-000000000001", $"c1-{i}", "k");
        for (int i = 0; i < 4; i++) fake.AppendKeyed("shardId-000000000002", $"c2-{i}", "k");
        // Arrivals are BaseTime + 1 s, + 2 s, … in append order: p0..p3 = 1..4, c1 = 5..8, c2 = 9..12.
        DateTimeOffset since = FakeKinesis.BaseTime.AddSeconds(3);
        ReadOptions options = ReadHarness.Options(fake);
        options.Start = StartPosition.AtTimestamp(since);

        ReadResult result = await ReadHarness.ReadAsync(fake, options);

        IReadOnlyList<ApiCall> iteratorCalls = fake.IteratorCalls();
        Assert.Equal(3, iteratorCalls.Count);
        Assert.All(iteratorCalls, c =>
        {
            Assert.Equal(ShardIteratorType.AtTimestamp, c.IteratorType);
            Assert.Equal(since, c.Timestamp);
        });
        Assert.Equal(new[] { "p2", "p3" }, result.RecordsOf("shardId-000000000000").Select(r => r.Text));
        Assert.Equal(4, result.RecordsOf("shardId-000000000001").Count);
        Assert.Equal(4, result.RecordsOf("shardId-000000000002").Count);
    }

    [Fact]
    public async Task Shard_starts_win_over_the_common_start_position_for_the_shards_they_name()
    {
        var fake = new FakeKinesis();
        fake.AddShard("shardId-000000000000");
        fake.AddShard("shardId-000000000001");
        IReadOnlyList<FakeRecord> a = fake.Append("shardId-000000000000", "a0", "a1", "a2", "a3");
        fake.Append("shardId-000000000001", "b0", "b1");
        ReadOptions options = ReadHarness.Options(fake);
        options.ShardStarts = new Dictionary<string, StartPosition>
        {
            ["shardId-000000000000"] = StartPosition.AfterSequenceNumber(a[1].SequenceNumber),
        };

        ReadResult result = await ReadHarness.ReadAsync(fake, options);

        Assert.Equal(new[] { "a2", "a3" }, result.RecordsOf("shardId-000000000000").Select(r => r.Text));
        Assert.Equal(new[] { "b0", "b1" }, result.RecordsOf("shardId-000000000001").Select(r => r.Text));
        ApiCall resumed = Assert.Single(fake.IteratorCalls("shardId-000000000000"));
        Assert.Equal(ShardIteratorType.AfterSequenceNumber, resumed.IteratorType);
        Assert.Equal(a[1].SequenceNumber, resumed.SequenceNumber);
        Assert.Equal(ShardIteratorType.TrimHorizon, Assert.Single(fake.IteratorCalls("shardId-000000000001")).IteratorType);
    }

    [Fact]
    public async Task With_shard_starts_a_latest_read_also_reads_a_closed_shard_from_its_given_position()
    {
        var fake = new FakeKinesis();
        fake.AddShard("shardId-000000000000", closed: true);
        fake.AddShard("shardId-000000000001");
        IReadOnlyList<FakeRecord> closed = fake.Append("shardId-000000000000", "x0", "x1", "x2");
        ReadOptions options = ReadHarness.Options(fake);
        options.Start = StartPosition.Latest;
        options.ShardStarts = new Dictionary<string, StartPosition>
        {
            ["shardId-000000000000"] = StartPosition.AtSequenceNumber(closed[1].SequenceNumber),
        };

        ReadResult result = await ReadHarness.ReadAsync(fake, options);

        Assert.Equal(new[] { "x1", "x2" }, result.Texts);
        Assert.Equal(ShardIteratorType.Latest, Assert.Single(fake.IteratorCalls("shardId-000000000001")).IteratorType);
    }

    // ---- shard selection ----------------------------------------------------------------

    [Fact]
    public async Task Selecting_a_shard_reads_only_that_shard_and_the_shards_it_split_into()
    {
        var fake = new FakeKinesis();
        fake.AddShard("shardId-000000000000", closed: true);
        fake.AddShard("shardId-000000000001");
        fake.AddShard("shardId-000000000002", parent: "shardId-000000000000");
        fake.AddShard("shardId-000000000003", parent: "shardId-000000000000", listed: false);
        fake.Append("shardId-000000000000", "parent");
        fake.Append("shardId-000000000001", "unrelated");
        fake.Append("shardId-000000000002", "child-listed");
        fake.Append("shardId-000000000003", "child-reported");
        ReadOptions options = ReadHarness.Options(fake);
        options.ShardIds = new[] { "shardId-000000000000" };

        ReadResult result = await ReadHarness.ReadAsync(fake, options);

        Assert.Equal(new[] { "child-listed", "child-reported", "parent" }, result.Texts.OrderBy(t => t, StringComparer.Ordinal));
        Assert.Equal("parent", result.Texts[0]);
        Assert.Empty(fake.IteratorCalls("shardId-000000000001"));
        Assert.Empty(fake.GetRecordsCalls("shardId-000000000001"));
    }

    [Fact]
    public async Task Selecting_a_child_shard_reads_it_without_waiting_for_its_unselected_parent()
    {
        var fake = new FakeKinesis();
        fake.AddShard("shardId-000000000000", closed: true);
        fake.AddShard("shardId-000000000001", parent: "shardId-000000000000");
        fake.Append("shardId-000000000000", "parent");
        fake.Append("shardId-000000000001", "child");
        ReadOptions options = ReadHarness.Options(fake);
        options.ShardIds = new[] { "shardId-000000000001" };

        ReadResult result = await ReadHarness.ReadAsync(fake, options);

        Assert.Equal(new[] { "child" }, result.Texts);
        Assert.Empty(fake.IteratorCalls("shardId-000000000000"));
    }

    [Fact]
    public async Task An_unknown_shard_id_fails_with_shard_not_found_before_any_iterator_is_asked_for()
    {
        var fake = new FakeKinesis();
        fake.AddShard("shardId-000000000000");
        fake.AddShard("shardId-000000000001");
        ReadOptions options = ReadHarness.Options(fake);
        options.ShardIds = new[] { "shardId-000000000000", "shardId-000000000042" };

        var e = await Assert.ThrowsAsync<KinesisXAcctException>(() => ReadHarness.ReadAsync(fake, options));

        Assert.Equal("ShardNotFound", e.ErrorId);
        Assert.Equal(FailureKind.NotFound, e.Kind);
        Assert.Equal("shardId-000000000042", e.Target);
        Assert.Contains("shardId-000000000042", e.Message);
        Assert.Contains("shardId-000000000001", e.Message); // lists the shards that do exist
        Assert.Empty(fake.IteratorCalls());
        Assert.Empty(fake.GetRecordsCalls());
    }

    // ---- failures -----------------------------------------------------------------------

    [Fact]
    public async Task Throttling_that_outlasted_the_clients_retries_fails_the_read_as_limits_exceeded()
    {
        FakeKinesis fake = FourShards(3);
        fake.ThrottleFirstGetRecords("shardId-000000000002", 1);

        var e = await Assert.ThrowsAsync<KinesisServiceException>(() => ReadHarness.ReadAsync(fake, ReadHarness.Options(fake)));

        Assert.Equal("ProvisionedThroughputExceededException", e.ErrorCode);
        Assert.Equal(FailureKind.LimitsExceeded, e.Kind);
        Assert.Equal("KinesisThrottledPastRetries", e.ErrorId);
    }

    [Theory]
    [InlineData("AccessDeniedException", FailureKind.PermissionDenied)]
    [InlineData("KMSAccessDeniedException", FailureKind.PermissionDenied)]
    [InlineData("ResourceNotFoundException", FailureKind.NotFound)]
    [InlineData("ExpiredTokenException", FailureKind.Authentication)]
    public async Task A_service_error_on_one_shard_fails_the_whole_read_with_that_error(string code, FailureKind kind)
    {
        FakeKinesis fake = FourShards(20);
        fake.FailGetRecords("shardId-000000000001", 2, code);

        var e = await Assert.ThrowsAsync<KinesisServiceException>(() => ReadHarness.ReadAsync(fake, ReadHarness.Options(fake, batchSize: 5)));

        Assert.Equal(code, e.ErrorCode);
        Assert.Equal(kind, e.Kind);
    }
}
