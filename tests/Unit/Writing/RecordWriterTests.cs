using System.Diagnostics;
using System.Text;
using KinesisXAcct.Kinesis;
using KinesisXAcct.Tests.Unit.Fakes;
using KinesisXAcct.Writing;
using Xunit;

namespace KinesisXAcct.Tests.Unit.Writing;

public class RecordWriterBatchTests
{
    private static OutgoingRecord Small(int i) => new(Encoding.UTF8.GetBytes($"r{i}"), $"k{i}");

    [Theory]
    [InlineData(0, new int[0])]
    [InlineData(1, new[] { 1 })]
    [InlineData(500, new[] { 500 })]
    [InlineData(501, new[] { 500, 1 })]
    [InlineData(1001, new[] { 500, 500, 1 })]
    public void Calls_hold_at_most_500_records(int count, int[] sizes)
    {
        List<OutgoingRecord> records = Enumerable.Range(0, count).Select(Small).ToList();

        List<List<OutgoingRecord>> batches = RecordWriter.Batches(records).ToList();

        Assert.Equal(sizes, batches.Select(b => b.Count));
        Assert.Equal(records, batches.SelectMany(b => b)); // same records, same order
    }

    [Theory]
    // Six records whose data alone fits 5 MiB (6 × 873,813 = 5,242,878 bytes) but whose keys tip them over.
    [InlineData(873_813, "k", new[] { 5, 1 })]
    [InlineData(873_812, "é", new[] { 5, 1 })]   // "é" is one character but two UTF-8 bytes
    [InlineData(873_812, "k", new[] { 6 })]      // 6 × 873,813 fits
    public void Calls_hold_at_most_5_MiB_counting_partition_key_bytes(int dataBytes, string key, int[] sizes)
    {
        var data = new byte[dataBytes];
        List<OutgoingRecord> records = Enumerable.Range(0, 6).Select(_ => new OutgoingRecord(data, key)).ToList();

        List<List<OutgoingRecord>> batches = RecordWriter.Batches(records).ToList();

        Assert.Equal(sizes, batches.Select(b => b.Count));
        Assert.All(batches, b => Assert.True(b.Sum(r => r.Size) <= RecordWriter.MaxBytesPerCall));
        Assert.Equal(records, batches.SelectMany(b => b));
    }

    [Fact]
    public void Five_records_of_exactly_one_MiB_fill_one_call_and_the_sixth_starts_the_next()
    {
        var data = new byte[1024 * 1024 - 1];
        List<OutgoingRecord> records = Enumerable.Range(0, 6).Select(i => new OutgoingRecord(data, "k")).ToList();

        Assert.Equal(new[] { 5, 1 }, RecordWriter.Batches(records).Select(b => b.Count));
    }

    [Fact]
    public void Whichever_limit_is_reached_first_closes_the_call()
    {
        var big = new OutgoingRecord(new byte[1024 * 1024 - 1], "k");
        var records = new List<OutgoingRecord>();
        records.AddRange(Enumerable.Range(0, 499).Select(Small));
        records.Add(big);
        records.Add(big);
        records.AddRange(Enumerable.Range(0, 5).Select(_ => big)); // 7 MiB of big records in all

        List<List<OutgoingRecord>> batches = RecordWriter.Batches(records).ToList();

        Assert.Equal(new[] { 500, 5, 1 }, batches.Select(b => b.Count));
        Assert.Equal(records, batches.SelectMany(b => b));
    }
}

public class RecordWriterRetryTests
{
    private static (FakeKinesis Fake, RecordWriter Writer, List<OutgoingRecord> Batch) Setup(int count, int maxAttempts = 6, TimeSpan? baseDelay = null)
    {
        var fake = new FakeKinesis();
        fake.AddShard("shardId-000000000000");
        var writer = new RecordWriter(fake, fake.Stream, maxAttempts, baseDelay ?? TimeSpan.FromMilliseconds(1));
        List<OutgoingRecord> batch = Enumerable.Range(0, count).Select(i => new OutgoingRecord(Encoding.UTF8.GetBytes($"r{i}"), $"k{i}", source: i)).ToList();
        return (fake, writer, batch);
    }

    private static string[] Keys(IEnumerable<PutRecordsEntry> entries) => entries.Select(e => e.PartitionKey).ToArray();

    [Fact]
    public async Task A_batch_the_service_accepts_whole_is_sent_once_in_input_order()
    {
        var (fake, writer, batch) = Setup(4);

        IReadOnlyList<WriteOutcome> outcomes = await writer.WriteBatchAsync(batch, CancellationToken.None);

        IReadOnlyList<PutRecordsEntry> request = Assert.Single(fake.PutRequests);
        Assert.Equal(new[] { "k0", "k1", "k2", "k3" }, Keys(request));
        Assert.Equal(new[] { "r0", "r1", "r2", "r3" }, request.Select(e => Encoding.UTF8.GetString(e.Data)));
        Assert.Equal(batch, outcomes.Select(o => o.Record));
        Assert.All(outcomes, o => Assert.True(o.Succeeded));
        Assert.Equal(fake.RecordsOf("shardId-000000000000").Select(r => r.SequenceNumber), outcomes.Select(o => o.SequenceNumber));
        Assert.All(outcomes, o => Assert.Equal("shardId-000000000000", o.ShardId));
    }

    [Fact]
    public async Task Only_the_rejected_records_are_sent_again_and_outcomes_stay_in_input_order()
    {
        var (fake, writer, batch) = Setup(6);
        fake.RejectPut("k1", "ProvisionedThroughputExceededException");
        fake.RejectPut("k4", "InternalFailure", "ProvisionedThroughputExceededException");

        IReadOnlyList<WriteOutcome> outcomes = await writer.WriteBatchAsync(batch, CancellationToken.None);

        Assert.Equal(
            new[] { new[] { "k0", "k1", "k2", "k3", "k4", "k5" }, new[] { "k1", "k4" }, new[] { "k4" } },
            fake.PutRequests.Select(Keys));
        Assert.Equal(batch, outcomes.Select(o => o.Record));
        Assert.All(outcomes, o => Assert.True(o.Succeeded, o.ErrorCode));
        Dictionary<string, string> stored = fake.RecordsOf("shardId-000000000000").ToDictionary(r => r.PartitionKey, r => r.SequenceNumber);
        Assert.Equal(batch.Select(r => stored[r.PartitionKey]), outcomes.Select(o => o.SequenceNumber));
    }

    [Fact]
    public async Task A_record_still_rejected_at_the_last_attempt_is_reported_with_the_last_error_code()
    {
        var (fake, writer, batch) = Setup(3, maxAttempts: 3);
        fake.RejectPut("k2", "InternalFailure", "InternalFailure", "ProvisionedThroughputExceededException", "InternalFailure");

        IReadOnlyList<WriteOutcome> outcomes = await writer.WriteBatchAsync(batch, CancellationToken.None);

        Assert.Equal(3, fake.PutRequests.Count);
        Assert.True(outcomes[0].Succeeded);
        Assert.True(outcomes[1].Succeeded);
        Assert.False(outcomes[2].Succeeded);
        Assert.Equal("ProvisionedThroughputExceededException", outcomes[2].ErrorCode);
        Assert.Equal("ProvisionedThroughputExceededException for k2", outcomes[2].ErrorMessage);
        Assert.Null(outcomes[2].SequenceNumber);
        Assert.Same(batch[2], outcomes[2].Record);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(0, 1)]   // fewer than one attempt means one
    [InlineData(-3, 1)]
    [InlineData(2, 2)]
    public async Task The_number_of_calls_for_an_always_rejected_record_is_the_attempt_limit(int maxAttempts, int calls)
    {
        var (fake, writer, batch) = Setup(1, maxAttempts);
        fake.RejectPut("k0", Enumerable.Repeat("InternalFailure", 10).ToArray());

        IReadOnlyList<WriteOutcome> outcomes = await writer.WriteBatchAsync(batch, CancellationToken.None);

        Assert.Equal(calls, fake.PutRequests.Count);
        Assert.Equal("InternalFailure", Assert.Single(outcomes).ErrorCode);
    }

    [Fact]
    public async Task Resends_back_off_exponentially_from_the_base_delay()
    {
        var (fake, writer, batch) = Setup(1, maxAttempts: 3, baseDelay: TimeSpan.FromMilliseconds(40));
        fake.RejectPut("k0", "InternalFailure", "InternalFailure");

        await writer.WriteBatchAsync(batch, CancellationToken.None);

        TimeSpan[] at = fake.CallsOf("PutRecords").Select(c => c.At).ToArray();
        Assert.Equal(3, at.Length);
        Assert.True(at[1] - at[0] >= TimeSpan.FromMilliseconds(15), $"first backoff {(at[1] - at[0]).TotalMilliseconds} ms");  // 40 ms × [0.5, 1], less timer slack
        Assert.True(at[2] - at[1] >= TimeSpan.FromMilliseconds(30), $"second backoff {(at[2] - at[1]).TotalMilliseconds} ms"); // 80 ms × [0.5, 1], less timer slack
    }

    [Fact]
    public async Task Cancelling_during_a_backoff_stops_the_write_promptly()
    {
        var (fake, writer, batch) = Setup(1, maxAttempts: 5, baseDelay: TimeSpan.FromSeconds(30));
        fake.RejectPut("k0", "InternalFailure");
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
        var clock = Stopwatch.StartNew();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => writer.WriteBatchAsync(batch, cts.Token));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2));
        Assert.Single(fake.PutRequests);
    }

    [Fact]
    public async Task An_answer_with_the_wrong_number_of_results_fails_instead_of_misattributing_outcomes()
    {
        var (fake, writer, batch) = Setup(3);
        fake.PutRecordsOverride = request =>
        {
            var response = new PutRecordsResponse();
            response.Records.Add(new PutRecordsResultEntry { ShardId = "s", SequenceNumber = "1" });
            return response;
        };

        var e = await Assert.ThrowsAsync<KinesisServiceException>(() => writer.WriteBatchAsync(batch, CancellationToken.None));

        Assert.Equal("UnexpectedResponse", e.ErrorCode);
        Assert.Equal("PutRecords", e.Operation);
    }

    [Fact]
    public async Task The_request_names_the_stream_and_carries_explicit_hash_keys()
    {
        var fake = new FakeKinesis("payments");
        fake.AddShard("shardId-000000000000");
        PutRecordsRequest seen = null;
        fake.PutRecordsOverride = request =>
        {
            seen = request;
            var response = new PutRecordsResponse();
            response.Records.Add(new PutRecordsResultEntry { ShardId = "shardId-000000000000", SequenceNumber = "1" });
            return response;
        };
        var writer = new RecordWriter(fake, fake.Stream);

        await writer.WriteBatchAsync(new[] { new OutgoingRecord(new byte[] { 1 }, "k", explicitHashKey: "340282366920938463463374607431768211455") }, CancellationToken.None);

        Assert.Same(fake.Stream, seen.Stream);
        Assert.Equal("340282366920938463463374607431768211455", Assert.Single(seen.Records).ExplicitHashKey);
    }
}
