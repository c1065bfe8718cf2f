using System.Diagnostics;
using System.Threading.Channels;
using KinesisXAcct.Checkpoints;
using KinesisXAcct.Decoding;
using KinesisXAcct.Kinesis;
using KinesisXAcct.Reading;
using KinesisXAcct.Tests.Unit.Checkpoints;
using KinesisXAcct.Tests.Unit.Decoding;
using KinesisXAcct.Tests.Unit.Fakes;
using Xunit;

namespace KinesisXAcct.Tests.Unit.Reading;

/// <summary>
/// Where a read stops (Until, an early stop by the pipeline) and how the next run goes on from a
/// checkpoint: shard events, finished shards, resuming inside a KPL aggregate, and whole
/// multi-run simulations that check every record is delivered exactly once.
/// </summary>
public sealed class StopConditionsAndResumeTests : IDisposable
{
    private const string Arn = "arn:aws:kinesis:us-east-1:111122223333:stream/orders";
    private const string S0 = "shardId-000000000000";
    private const string S1 = "shardId-000000000001";
    private const string S2 = "shardId-000000000002";
    private const string S3 = "shardId-000000000003";
    private const string S4 = "shardId-000000000004";

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string CheckpointPath => _folder.File("orders.checkpoint.json");

    private static string Id(KinesisRecord r) => $"{r.ShardId}/{r.SequenceNumber}/{r.SubSequenceNumber}";

    private static string Id(FakeRecord r) => $"{r.ShardId}/{r.SequenceNumber}/";

    private static string Show(RecordBatch b) => b.Event switch
    {
        ShardEvent.Started => "started " + Checkpoints.Describe.Of(b.Start),
        ShardEvent.Finished => "finished " + (b.LastSequenceNumber ?? "(none)"),
        _ => "records " + string.Join(",", b.Records.Select(r => r.Text)),
    };

    // ==== Until ===============================================================================================

    /// <summary>Two open shards; their records arrive one second apart, alternating: a1 +1 s, b1 +2 s, a2 +3 s, … b4 +8 s.</summary>
    private static FakeKinesis TwoOpenShards()
    {
        var fake = new FakeKinesis();
        fake.AddShard(S0);
        fake.AddShard(S1);
        for (int i = 1; i <= 4; i++)
        {
            fake.Append(S0, "a" + i);
            fake.Append(S1, "b" + i);
        }

        return fake;
    }

    [Theory]
    [InlineData(0.5, 1)]
    [InlineData(0.5, 100)]
    [InlineData(1.0, 1)] // a record that arrived exactly at Until is delivered
    [InlineData(4.5, 1)]
    [InlineData(4.5, 3)]
    [InlineData(4.5, 100)]
    [InlineData(7.0, 2)]
    [InlineData(8.0, 100)]
    [InlineData(3600, 3)]
    public async Task Until_delivers_each_shard_only_the_records_that_arrived_by_then(double untilSeconds, int batchSize)
    {
        FakeKinesis fake = TwoOpenShards();
        ReadOptions options = ReadHarness.Options(fake, batchSize);
        options.Until = FakeKinesis.BaseTime.AddSeconds(untilSeconds);

        ReadResult result = await ReadHarness.ReadAsync(fake, options);

        foreach (string shard in new[] { S0, S1 })
        {
            IEnumerable<string> expected = fake.RecordsOf(shard).Where(r => r.ArrivedAt <= options.Until).Select(r => r.Text);
            Assert.Equal(expected, result.RecordsOf(shard).Select(r => r.Text));
            Assert.All(result.RecordsOf(shard), r => Assert.True(r.ApproximateArrivalTimestamp <= options.Until.Value.UtcDateTime));
            Assert.DoesNotContain(result.Batches, b => b.ShardId == shard && b.Event == ShardEvent.Finished); // open: stopped, not finished
        }

        // A shard that met a later record made no call after it.
        foreach (string shard in new[] { S0, S1 })
        {
            if (fake.RecordsOf(shard).Any(r => r.ArrivedAt > options.Until))
                Assert.True(fake.GetRecordsCalls(shard).Last().Returned > 0, $"{shard} polled again after its first record past Until");
        }
    }

    [Fact]
    public async Task A_parent_that_ends_before_Until_hands_over_to_its_children_which_stop_at_Until()
    {
        var fake = new FakeKinesis();
        fake.AddShard(S0, closed: true);
        fake.AddShard(S1, parent: S0);
        fake.AddShard(S2, parent: S0);
        fake.Append(S0, "p1", "p2");        // +1, +2
        fake.Append(S1, "c1", "c2");        // +3, +4
        fake.Append(S2, "d1", "d2", "d3");  // +5, +6, +7
        ReadOptions options = ReadHarness.Options(fake, batchSize: 1);
        options.Until = FakeKinesis.BaseTime.AddSeconds(5.5);

        ReadResult result = await ReadHarness.ReadAsync(fake, options);

        Assert.Equal(new[] { "p1", "p2" }, result.RecordsOf(S0).Select(r => r.Text));
        Assert.Contains(result.Batches, b => b.ShardId == S0 && b.Event == ShardEvent.Finished);
        Assert.Equal(new[] { "c1", "c2" }, result.RecordsOf(S1).Select(r => r.Text));
        Assert.Equal(new[] { "d1" }, result.RecordsOf(S2).Select(r => r.Text));
    }

    [Fact]
    public async Task With_Follow_a_shard_keeps_polling_until_the_clock_passes_Until_then_the_read_ends()
    {
        var fake = new FakeKinesis();
        fake.AddShard(S0);
        fake.AddShard(S1);
        fake.Append(S0, "old");
        // Far enough ahead that a slow start (a loaded machine, the first JIT of the reader) is still before it.
        DateTimeOffset until = DateTimeOffset.UtcNow.AddSeconds(3);
        ReadOptions options = ReadHarness.Options(fake);
        options.Follow = true;
        options.Until = until;

        await using RunningRead read = ReadHarness.Start(fake, options);
        Assert.True(await read.WaitForRecordsAsync(1));
        fake.AppendKeyed(S1, "arrived-while-following", "k", arrivedAt: until.AddMilliseconds(-500));
        await read.Run.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(DateTimeOffset.UtcNow >= until, "the read ended before Until");
        Assert.Equal(new[] { "arrived-while-following", "old" }, read.Received.Select(r => r.Text).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task With_Follow_a_record_that_arrived_after_Until_ends_its_shard_at_once_and_is_not_delivered()
    {
        var fake = new FakeKinesis();
        fake.AddShard(S0);
        fake.AddShard(S1);
        DateTimeOffset until = DateTimeOffset.UtcNow.AddHours(1);
        fake.AppendKeyed(S0, "a-before", "k", arrivedAt: DateTimeOffset.UtcNow);
        ReadOptions options = ReadHarness.Options(fake, batchSize: 1);
        options.Follow = true;
        options.Until = until;

        await using RunningRead read = ReadHarness.Start(fake, options);
        Assert.True(await read.WaitForRecordsAsync(1));
        fake.AppendKeyed(S0, "a-after", "k", arrivedAt: until.AddSeconds(1));
        fake.AppendKeyed(S0, "a-later-still", "k", arrivedAt: until.AddSeconds(2));
        fake.AppendKeyed(S1, "b-before", "k", arrivedAt: until.AddSeconds(-1));
        fake.AppendKeyed(S1, "b-after", "k", arrivedAt: until.AddSeconds(1));
        var clock = Stopwatch.StartNew();
        await read.Run.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5));
        Assert.Equal(new[] { "a-before", "b-before" }, read.Received.Select(r => r.Text).Order(StringComparer.Ordinal));
    }

    // ==== shard events ========================================================================================

    [Theory]
    [InlineData(1, "TrimHorizon")]
    [InlineData(2, "TrimHorizon")]
    [InlineData(100, "TrimHorizon")]
    [InlineData(1, "AtTimestamp")]
    [InlineData(100, "AtTimestamp")]
    public async Task Each_shard_reports_Started_first_then_its_records_then_Finished_if_closed_and_read_to_its_end(int batchSize, string start)
    {
        // P split into C1 and C2; later C2 and O merged into M. Open now: C1 and M.
        var fake = new FakeKinesis();
        fake.AddShard(S0, closed: true);                     // P
        fake.AddShard(S1, parent: S0);                       // C1, open
        fake.AddShard(S2, parent: S0, closed: true);         // C2
        fake.AddShard(S3, closed: true);                     // O
        fake.AddShard(S4, parent: S2, adjacentParent: S3);   // M, open
        fake.Append(S0, "p1", "p2", "p3");
        fake.Append(S3, "o1", "o2");
        fake.Append(S1, "c1");
        fake.Append(S2, "d1", "d2");
        fake.Append(S4, "m1", "m2");
        ReadOptions options = ReadHarness.Options(fake, batchSize);
        StartPosition startPosition = start == "AtTimestamp" ? StartPosition.AtTimestamp(FakeKinesis.BaseTime) : StartPosition.TrimHorizon;
        options.Start = startPosition;

        ReadResult result = await ReadHarness.ReadAsync(fake, options);

        string expectedStart = "started " + Checkpoints.Describe.Of(startPosition);
        foreach (string shard in new[] { S0, S1, S2, S3, S4 })
        {
            List<RecordBatch> events = result.Batches.Where(b => b.ShardId == shard).ToList();
            bool closed = fake.Shard(shard).IsClosed;
            Assert.Equal(expectedStart, Show(events[0]));
            Assert.Empty(events[0].Records);
            Assert.Single(events, b => b.Event == ShardEvent.Started);
            List<RecordBatch> middle = events.Skip(1).Take(events.Count - (closed ? 2 : 1)).ToList();
            Assert.All(middle, b => Assert.Equal(ShardEvent.Records, b.Event));
            Assert.Equal(fake.RecordsOf(shard).Select(r => r.Text), middle.SelectMany(b => b.Records).Select(r => r.Text));
            Assert.All(middle, b => Assert.InRange(b.Records.Count, 1, batchSize));
            if (closed)
            {
                Assert.Equal("finished " + fake.RecordsOf(shard)[^1].SequenceNumber, Show(events[^1]));
                Assert.Empty(events[^1].Records);
            }
            else
            {
                Assert.DoesNotContain(events, b => b.Event == ShardEvent.Finished);
            }
        }

        // A child's Started comes after every parent's Finished in the one channel the pipeline reads.
        int IndexOf(string shard, ShardEvent e) => result.Batches.ToList().FindIndex(b => b.ShardId == shard && b.Event == e);
        Assert.True(IndexOf(S0, ShardEvent.Finished) < IndexOf(S1, ShardEvent.Started));
        Assert.True(IndexOf(S0, ShardEvent.Finished) < IndexOf(S2, ShardEvent.Started));
        Assert.True(IndexOf(S2, ShardEvent.Finished) < IndexOf(S4, ShardEvent.Started));
        Assert.True(IndexOf(S3, ShardEvent.Finished) < IndexOf(S4, ShardEvent.Started));
    }

    [Fact]
    public async Task A_closed_shard_resumed_after_its_last_record_reports_Started_and_Finished_with_no_records()
    {
        var fake = new FakeKinesis();
        fake.AddShard(S0, closed: true);
        fake.AddShard(S1, parent: S0);
        string last = fake.Append(S0, "p1", "p2")[^1].SequenceNumber;
        fake.Append(S1, "c1");
        ReadOptions options = ReadHarness.Options(fake);
        options.ShardIds = new HashSet<string> { S0 };
        options.ShardStarts = new Dictionary<string, StartPosition> { [S0] = StartPosition.AfterSequenceNumber(last) };

        ReadResult result = await ReadHarness.ReadAsync(fake, options);

        Assert.Equal(new[] { "started AFTER_SEQUENCE_NUMBER " + last, "finished (none)" }, result.Batches.Where(b => b.ShardId == S0).Select(Show));
        Assert.Equal(new[] { "started TRIM_HORIZON", "records c1" }, result.Batches.Where(b => b.ShardId == S1).Select(Show));
    }

    // ==== FinishedShards ======================================================================================

    /// <summary>P (closed, finished by an earlier run) split into C1 and C2; O is an unrelated open shard.</summary>
    private static FakeKinesis FinishedParent()
    {
        var fake = new FakeKinesis();
        fake.AddShard(S0, closed: true);
        fake.AddShard(S1, parent: S0);
        fake.AddShard(S2, parent: S0);
        fake.AddShard(S3);
        fake.Append(S0, "p1", "p2");
        fake.Append(S1, "c1", "c2");
        fake.Append(S2, "d1");
        fake.Append(S3, "o1", "o2");
        return fake;
    }

    [Theory]
    [InlineData("every shard", new[] { "o1", "o2" })]
    [InlineData("no shard named", new string[0])]
    [InlineData("the open shard, resumed", new[] { "o2" })]
    public async Task A_finished_parent_is_not_read_and_its_children_are_read_from_their_beginning(string selection, string[] expectedOpen)
    {
        FakeKinesis fake = FinishedParent();
        ReadOptions options = ReadHarness.Options(fake, batchSize: 1);
        options.FinishedShards = new[] { S0 };
        options.ShardIds = selection switch
        {
            "every shard" => null,
            "no shard named" => new HashSet<string>(),
            _ => new HashSet<string> { S3 },
        };
        if (selection == "the open shard, resumed")
            options.ShardStarts = new Dictionary<string, StartPosition> { [S3] = StartPosition.AfterSequenceNumber(fake.RecordsOf(S3)[0].SequenceNumber) };

        ReadResult result = await ReadHarness.ReadAsync(fake, options);

        Assert.Empty(fake.IteratorCalls(S0));
        Assert.Empty(fake.GetRecordsCalls(S0));
        Assert.DoesNotContain(result.Batches, b => b.ShardId == S0);
        Assert.Equal(ShardIteratorType.TrimHorizon, Assert.Single(fake.IteratorCalls(S1)).IteratorType);
        Assert.Equal(ShardIteratorType.TrimHorizon, Assert.Single(fake.IteratorCalls(S2)).IteratorType);
        Assert.Equal(new[] { "c1", "c2" }, result.RecordsOf(S1).Select(r => r.Text));
        Assert.Equal(new[] { "d1" }, result.RecordsOf(S2).Select(r => r.Text));
        Assert.Equal(expectedOpen, result.RecordsOf(S3).Select(r => r.Text));
    }

    [Fact]
    public async Task A_chain_of_finished_shards_hands_over_to_the_youngest_which_is_read_from_its_beginning()
    {
        var fake = new FakeKinesis();
        fake.AddShard(S0, closed: true);
        fake.AddShard(S1, parent: S0, closed: true);
        fake.AddShard(S2, parent: S1);
        fake.Append(S0, "p1");
        fake.Append(S1, "c1");
        fake.Append(S2, "g1", "g2");
        ReadOptions options = ReadHarness.Options(fake);
        options.ShardIds = new HashSet<string>();
        options.ShardStarts = new Dictionary<string, StartPosition>();
        options.FinishedShards = new[] { S1, S0 }; // in any order

        ReadResult result = await ReadHarness.ReadAsync(fake, options);

        Assert.Equal(new[] { "g1", "g2" }, result.Texts);
        Assert.Equal(new[] { S2 }, fake.IteratorCalls().Select(c => c.ShardId));
        Assert.Equal(ShardIteratorType.TrimHorizon, fake.IteratorCalls(S2)[0].IteratorType);
    }

    [Fact]
    public async Task A_merged_child_waits_for_its_resumed_parent_even_when_the_other_parent_is_finished()
    {
        var fake = new FakeKinesis();
        fake.AddShard(S0, closed: true);                   // finished earlier
        fake.AddShard(S1, closed: true);                   // read halfway earlier
        fake.AddShard(S2, parent: S0, adjacentParent: S1); // the merge
        fake.Append(S0, "p1");
        IReadOnlyList<FakeRecord> q = fake.Append(S1, "q1", "q2", "q3");
        fake.Append(S2, "m1");
        ReadOptions options = ReadHarness.Options(fake, batchSize: 1);
        options.ShardIds = new HashSet<string> { S1 };
        options.ShardStarts = new Dictionary<string, StartPosition> { [S1] = StartPosition.AfterSequenceNumber(q[0].SequenceNumber) };
        options.FinishedShards = new[] { S0 };

        ReadResult result = await ReadHarness.ReadAsync(fake, options);

        Assert.Equal(new[] { "q2", "q3", "m1" }, result.Texts);
        Assert.Empty(fake.IteratorCalls(S0));
        ApiCall parentEnd = fake.GetRecordsCalls(S1).Last();
        Assert.True(parentEnd.ReachedEnd);
        Assert.True(fake.IteratorCalls(S2)[0].Order > parentEnd.Order);
    }

    // ==== KPL: resuming inside an aggregate ==================================================================

    /// <summary>An aggregate of <paramref name="texts"/> (user record i is sub-sequence i), all under one partition key.</summary>
    private static byte[] Aggregate(params string[] texts)
    {
        var writer = new ProtoWriter().PartitionKey("kpl-key");
        foreach (string text in texts) writer.Record(0, null, text);
        return writer.ToAggregate();
    }

    /// <summary>One shard: plain "before", aggregate G1 (u0–u4), plain "mid", aggregate G2 (v0–v2), plain "after".</summary>
    private static (FakeKinesis Fake, string G1, string G2) KplShard()
    {
        var fake = new FakeKinesis();
        fake.AddShard(S0);
        fake.Append(S0, "before");
        string g1 = fake.AppendBytes(S0, Aggregate("u0", "u1", "u2", "u3", "u4")).SequenceNumber;
        fake.Append(S0, "mid");
        string g2 = fake.AppendBytes(S0, Aggregate("v0", "v1", "v2")).SequenceNumber;
        fake.Append(S0, "after");
        return (fake, g1, g2);
    }

    [Theory]
    [InlineData(null, 1, "u0,u1,u2,u3,u4,mid,v0,v1,v2,after")]
    [InlineData(null, 100, "u0,u1,u2,u3,u4,mid,v0,v1,v2,after")]
    [InlineData(0L, 1, "u1,u2,u3,u4,mid,v0,v1,v2,after")]
    [InlineData(2L, 1, "u3,u4,mid,v0,v1,v2,after")]
    [InlineData(2L, 100, "u3,u4,mid,v0,v1,v2,after")] // v0–v2 share sub-sequence numbers 0–2 but not the sequence number: kept
    [InlineData(4L, 1, "mid,v0,v1,v2,after")]
    [InlineData(4L, 2, "mid,v0,v1,v2,after")]
    public async Task Resuming_inside_an_aggregate_delivers_only_its_user_records_after_the_skip(long? skipThrough, int batchSize, string expected)
    {
        var (fake, g1, _) = KplShard();
        ReadOptions options = ReadHarness.Options(fake, batchSize);
        StartPosition start = StartPosition.AtSequenceNumber(g1, skipThrough);
        options.ShardStarts = new Dictionary<string, StartPosition> { [S0] = start };

        ReadResult result = await ReadHarness.ReadAsync(fake, options);

        Assert.Equal(expected, string.Join(",", result.Texts));
        Assert.Same(start, result.Batches[0].Start);
        ApiCall iterator = Assert.Single(fake.IteratorCalls(S0));
        Assert.Equal(ShardIteratorType.AtSequenceNumber, iterator.IteratorType);
        Assert.Equal(g1, iterator.SequenceNumber);
        Assert.All(result.Records.Where(r => r.SequenceNumber == g1), r => Assert.True(r.SubSequenceNumber > (skipThrough ?? -1)));
    }

    [Fact]
    public async Task The_default_decoder_splits_KPL_aggregates_and_the_plain_decoder_keeps_them_whole()
    {
        Assert.Same(KplRecordDecoder.Instance, new ReadOptions().Decoder);
        var (fake, g1, g2) = KplShard();

        ReadResult split = await ReadHarness.ReadAsync(fake, ReadHarness.Options(fake));
        ReadOptions raw = ReadHarness.Options(fake);
        raw.Decoder = PlainRecordDecoder.Instance;
        ReadResult whole = await ReadHarness.ReadAsync(fake, raw);

        Assert.Equal("before,u0,u1,u2,u3,u4,mid,v0,v1,v2,after", string.Join(",", split.Texts));
        Assert.Equal(new long?[] { null, 0, 1, 2, 3, 4, null, 0, 1, 2, null }, split.Records.Select(r => r.SubSequenceNumber));
        Assert.Equal(5, whole.Records.Count);
        Assert.All(whole.Records, r => Assert.Null(r.SubSequenceNumber));
        Assert.Equal(fake.RecordsOf(S0).Select(r => r.Data), whole.Records.Select(r => r.Data));
        Assert.Equal(new[] { g1, g2 }, whole.Records.Where(r => Kpl.Magic.SequenceEqual(r.Data.Take(4))).Select(r => r.SequenceNumber));
    }

    [Fact]
    public async Task A_raw_read_resumed_inside_an_aggregate_delivers_the_aggregate_whole()
    {
        var (fake, g1, _) = KplShard();
        ReadOptions options = ReadHarness.Options(fake);
        options.Decoder = PlainRecordDecoder.Instance;
        options.ShardStarts = new Dictionary<string, StartPosition> { [S0] = StartPosition.AtSequenceNumber(g1, skipThroughSubSequence: 2) };

        ReadResult result = await ReadHarness.ReadAsync(fake, options);

        Assert.Equal(g1, result.Records[0].SequenceNumber);
        Assert.Equal(fake.RecordsOf(S0)[1].Data, result.Records[0].Data);
        Assert.Equal(4, result.Records.Count);
    }

    // ==== resume: runs with a checkpoint, as Read-KinesisRecord -CheckpointPath does ===========================

    private sealed record RunOutcome(IReadOnlyList<KinesisRecord> Delivered, IReadOnlyList<RecordBatch> Consumed, ReadOptions Options, IReadOnlyList<string> Expired, bool StoppedEarly);

    /// <summary>
    /// One run of the cmdlet's read loop: opens the checkpoint, builds the options from it
    /// (<see cref="CheckpointResume.Apply"/>, forgetting expired shards, then
    /// <see cref="CheckpointResume.RecordInitialStarts"/>), reads through a small bounded channel, feeds
    /// the tracker with exactly what the pipeline took (Started; each record after it is emitted, with
    /// SaveIfDue; Finished; SaveIfDue after each batch), stops when <paramref name="stopWhen"/> says so
    /// (checked before each batch and after each record, like -First or Ctrl+C), then flushes (or, for a
    /// crash, does not) and closes the checkpoint.
    /// </summary>
    private async Task<RunOutcome> ReadWithCheckpointAsync(
        FakeKinesis fake, Func<IReadOnlyList<KinesisRecord>, bool> stopWhen = null, int batchSize = 100,
        StartPosition start = null, DateTimeOffset? until = null, bool crash = false, Func<DateTimeOffset> clock = null, TimeSpan? saveInterval = null)
    {
        CheckpointFile file = CheckpointFile.Open(CheckpointPath);
        try
        {
            var tracker = new CheckpointTracker(file, Arn, clock);
            if (saveInterval.HasValue) tracker.SaveInterval = saveInterval.Value;
            ReadOptions options = ReadHarness.Options(fake, batchSize);
            options.Start = start ?? StartPosition.TrimHorizon;
            options.Until = until;
            List<ShardDescription> listed = await StreamRecordReader.ListAllShardsAsync(fake, fake.Stream, CancellationToken.None);
            IReadOnlyList<string> expired = CheckpointResume.Apply(options, file.ShardsOf(Arn), listed);
            foreach (string gone in expired) tracker.Forget(gone);
            CheckpointResume.RecordInitialStarts(tracker, options, listed);

            var channel = Channel.CreateBounded<RecordBatch>(new BoundedChannelOptions(4) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            Task read = Task.Run(async () =>
            {
                try
                {
                    await new StreamRecordReader(fake, options).RunAsync(channel.Writer, cts.Token);
                    channel.Writer.TryComplete();
                }
                catch (Exception e)
                {
                    channel.Writer.TryComplete(e);
                }
            });

            var delivered = new List<KinesisRecord>();
            var consumed = new List<RecordBatch>();
            bool stopped = false;
            try
            {
                while (!stopped && await channel.Reader.WaitToReadAsync())
                {
                    while (!stopped && channel.Reader.TryRead(out RecordBatch batch))
                    {
                        if (stopWhen?.Invoke(delivered) == true)
                        {
                            stopped = true;
                            break;
                        }

                        consumed.Add(batch);
                        switch (batch.Event)
                        {
                            case ShardEvent.Started:
                                tracker.ShardStarted(batch.ShardId, batch.Start);
                                break;
                            case ShardEvent.Finished:
                                tracker.ShardFinished(batch.ShardId, batch.LastSequenceNumber);
                                break;
                            default:
                                foreach (KinesisRecord record in batch.Records)
                                {
                                    delivered.Add(record);
                                    tracker.Delivered(record);
                                    tracker.SaveIfDue();
                                    if (stopWhen?.Invoke(delivered) == true)
                                    {
                                        stopped = true;
                                        break;
                                    }
                                }

                                break;
                        }

                        if (!stopped) tracker.SaveIfDue();
                    }
                }
            }
            catch (OperationCanceledException) when (cts.IsCancellationRequested && !stopped)
            {
                throw new TimeoutException("The run did not end by itself within 10 s.");
            }
            finally
            {
                cts.Cancel();
                await read;
            }

            if (!crash) tracker.Flush();
            return new RunOutcome(delivered, consumed, options, expired, stopped);
        }
        finally
        {
            file.Dispose();
        }
    }

    private IReadOnlyDictionary<string, ShardCheckpoint> SavedCheckpoint()
    {
        using CheckpointFile file = CheckpointFile.Open(CheckpointPath);
        return file.ShardsOf(Arn).ToDictionary(e => e.Key, e => e.Value);
    }

    private static Func<IReadOnlyList<KinesisRecord>, bool> After(int count, string shardId = null) =>
        delivered => delivered.Count(r => shardId == null || r.ShardId == shardId) >= count;

    private static void AssertExactlyOnce(IEnumerable<string> expectedIds, IEnumerable<RunOutcome> runs)
    {
        List<string> delivered = runs.SelectMany(r => r.Delivered).Select(Id).ToList();
        string[] repeated = delivered.GroupBy(id => id).Where(g => g.Count() > 1).Select(g => $"{g.Key} x{g.Count()}").ToArray();
        Assert.True(repeated.Length == 0, "delivered more than once: " + string.Join(", ", repeated));
        string[] missed = expectedIds.Except(delivered).ToArray();
        Assert.True(missed.Length == 0, "never delivered: " + string.Join(", ", missed));
        string[] extra = delivered.Except(expectedIds).ToArray();
        Assert.True(extra.Length == 0, "delivered but not in the stream: " + string.Join(", ", extra));
    }

    /// <summary>Across runs, each shard's records still come in sequence order.</summary>
    private static void AssertShardOrder(IEnumerable<RunOutcome> runs)
    {
        foreach (var shard in runs.SelectMany(r => r.Delivered).GroupBy(r => r.ShardId))
        {
            var keys = shard.Select(r => (r.SequenceNumber, r.SubSequenceNumber ?? -1)).ToList();
            Assert.Equal(keys.OrderBy(k => k.SequenceNumber, StringComparer.Ordinal).ThenBy(k => k.Item2), keys);
        }
    }

    public static TheoryData<int, int, int> StopPoints()
    {
        var data = new TheoryData<int, int, int>();
        foreach (int firstStop in new[] { 1, 3, 5 })
            foreach (int secondStop in new[] { 1, 2 })
                foreach (int batchSize in new[] { 1, 2, 100 })
                    data.Add(firstStop, secondStop, batchSize);
        return data;
    }

    [Theory]
    [MemberData(nameof(StopPoints))]
    public async Task Runs_stopped_early_and_resumed_across_a_split_and_a_merge_deliver_every_record_exactly_once(int firstStop, int secondStop, int batchSize)
    {
        const string A = S0, B = S1, A1 = S2, A2 = S3, M = S4;
        var fake = new FakeKinesis();
        fake.AddShard(A);
        fake.AddShard(B);
        for (int i = 1; i <= 6; i++)
        {
            fake.Append(A, "a" + i);
            if (i <= 4) fake.Append(B, "b" + i);
        }

        // Run 1 stops (like -First) partway through A.
        RunOutcome run1 = await ReadWithCheckpointAsync(fake, After(firstStop, A), batchSize);
        Assert.True(run1.StoppedEarly);
        Assert.Equal(firstStop, run1.Delivered.Count(r => r.ShardId == A));
        Assert.Equal("after " + fake.RecordsOf(A)[firstStop - 1].SequenceNumber, Checkpoints.Describe.Of(SavedCheckpoint()[A]));

        // Between runs: more records, then A splits into A1 and A2.
        fake.Append(A, "a7", "a8");
        fake.Append(B, "b5");
        fake.Close(A);
        fake.AddShard(A1, parent: A);
        fake.AddShard(A2, parent: A);
        fake.Append(A1, "x1", "x2", "x3");
        fake.Append(A2, "y1", "y2");

        // Run 2 resumes the half-read parent, reads it to its end, then its children; it stops inside A1.
        int callsBefore2 = fake.Calls.Count;
        RunOutcome run2 = await ReadWithCheckpointAsync(fake, After(secondStop, A1), batchSize);
        Assert.True(run2.StoppedEarly);
        Assert.Equal(new[] { A, B }, run2.Options.ShardIds.Order());
        Assert.Equal("AFTER_SEQUENCE_NUMBER " + fake.RecordsOf(A)[firstStop - 1].SequenceNumber, Checkpoints.Describe.Of(run2.Options.ShardStarts[A]));
        ApiCall parentIterator = fake.Calls.Skip(callsBefore2).Single(c => c.Operation == "GetShardIterator" && c.ShardId == A);
        Assert.Equal(ShardIteratorType.AfterSequenceNumber, parentIterator.IteratorType);
        List<string> run2Texts = run2.Delivered.Select(r => r.Text).ToList();
        Assert.Equal(fake.RecordsOf(A).Skip(firstStop).Select(r => r.Text), run2.Delivered.Where(r => r.ShardId == A).Select(r => r.Text));
        int lastOfParent = run2.Delivered.ToList().FindLastIndex(r => r.ShardId == A);
        int firstOfChildren = run2.Delivered.ToList().FindIndex(r => r.ShardId is A1 or A2);
        Assert.True(lastOfParent < firstOfChildren, "a child's record came before the parent's last: " + string.Join(",", run2Texts));
        Assert.True(SavedCheckpoint()[A].Finished);

        // Between runs: more records, then A2 and B merge into M.
        fake.Append(A1, "x4");
        fake.Append(A2, "y3");
        fake.Append(B, "b6");
        fake.Close(A2);
        fake.Close(B);
        fake.AddShard(M, parent: A2, adjacentParent: B);
        fake.Append(M, "m1", "m2");

        // Run 3 reads to the end; run 4 finds nothing new and does not touch finished shards.
        int callsBefore3 = fake.Calls.Count;
        RunOutcome run3 = await ReadWithCheckpointAsync(fake, batchSize: batchSize);
        Assert.DoesNotContain(fake.Calls.Skip(callsBefore3), c => c.ShardId == A);
        Assert.Equal(new[] { A, A2, B }.Order(), SavedCheckpoint().Where(e => e.Value.Finished).Select(e => e.Key).Order());
        int callsBefore4 = fake.Calls.Count;
        RunOutcome run4 = await ReadWithCheckpointAsync(fake, batchSize: batchSize);
        Assert.Empty(run4.Delivered);
        Assert.Equal(new[] { A1, M }, fake.Calls.Skip(callsBefore4).Where(c => c.Operation == "GetShardIterator").Select(c => c.ShardId).Order());

        RunOutcome[] runs = { run1, run2, run3, run4 };
        AssertExactlyOnce(fake.AllRecords.Select(Id), runs);
        AssertShardOrder(runs);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(9)]
    [InlineData(10)]
    public async Task Runs_stopped_inside_a_KPL_aggregate_resume_inside_it_and_deliver_every_user_record_exactly_once(int stopAfter)
    {
        var (fake, _, _) = KplShard();

        RunOutcome run1 = await ReadWithCheckpointAsync(fake, After(stopAfter), batchSize: 2);
        ShardCheckpoint saved = SavedCheckpoint()[S0];
        KinesisRecord last = run1.Delivered[^1];
        Assert.Equal(last.SequenceNumber, saved.SequenceNumber);
        Assert.Equal(last.SubSequenceNumber, saved.SubSequenceNumber);
        RunOutcome run2 = await ReadWithCheckpointAsync(fake, batchSize: 2);
        RunOutcome run3 = await ReadWithCheckpointAsync(fake, batchSize: 2);

        ApiCall resumedAt = fake.IteratorCalls(S0)[1];
        Assert.Equal(last.SubSequenceNumber.HasValue ? ShardIteratorType.AtSequenceNumber : ShardIteratorType.AfterSequenceNumber, resumedAt.IteratorType);
        Assert.Equal(last.SequenceNumber, resumedAt.SequenceNumber);
        Assert.Empty(run3.Delivered);
        var expected = new[] { "before", "u0", "u1", "u2", "u3", "u4", "mid", "v0", "v1", "v2", "after" };
        Assert.Equal(expected, run1.Delivered.Concat(run2.Delivered).Select(r => r.Text));
        Assert.Equal(expected.Length, run1.Delivered.Concat(run2.Delivered).Select(Id).Distinct().Count());
        AssertShardOrder(new[] { run1, run2 });
    }

    [Fact]
    public async Task A_parent_whose_last_record_was_delivered_but_whose_end_was_not_is_not_repeated_and_then_hands_over()
    {
        var fake = new FakeKinesis();
        fake.AddShard(S0, closed: true);
        fake.AddShard(S1, parent: S0);
        fake.AddShard(S2, parent: S0);
        string last = fake.Append(S0, "p1", "p2", "p3")[^1].SequenceNumber;
        fake.Append(S1, "c1", "c2");
        fake.Append(S2, "d1");

        RunOutcome run1 = await ReadWithCheckpointAsync(fake, After(3, S0));
        Assert.False(SavedCheckpoint()[S0].Finished);
        RunOutcome run2 = await ReadWithCheckpointAsync(fake);

        Assert.Equal(new[] { "p1", "p2", "p3" }, run1.Delivered.Select(r => r.Text));
        Assert.Equal(new[] { "c1", "c2", "d1" }, run2.Delivered.Select(r => r.Text).Order(StringComparer.Ordinal));
        Assert.Equal(new[] { "started AFTER_SEQUENCE_NUMBER " + last, "finished (none)" }, run2.Consumed.Where(b => b.ShardId == S0).Select(Show));
        IReadOnlyDictionary<string, ShardCheckpoint> saved = SavedCheckpoint();
        Assert.True(saved[S0].Finished);
        Assert.Equal("after " + fake.RecordsOf(S1)[^1].SequenceNumber, Checkpoints.Describe.Of(saved[S1]));
        Assert.Equal("after " + fake.RecordsOf(S2)[^1].SequenceNumber, Checkpoints.Describe.Of(saved[S2]));
        AssertExactlyOnce(fake.AllRecords.Select(Id), new[] { run1, run2 });
    }

    [Fact]
    public async Task A_run_ended_by_Until_is_resumed_right_after_the_last_record_before_it()
    {
        FakeKinesis fake = TwoOpenShards();

        RunOutcome run1 = await ReadWithCheckpointAsync(fake, until: FakeKinesis.BaseTime.AddSeconds(4.5), batchSize: 3);
        RunOutcome run2 = await ReadWithCheckpointAsync(fake, batchSize: 3);

        Assert.False(run1.StoppedEarly);
        Assert.Equal(new[] { "a1", "a2", "b1", "b2" }, run1.Delivered.Select(r => r.Text).Order(StringComparer.Ordinal));
        Assert.Equal(new[] { "a3", "a4", "b3", "b4" }, run2.Delivered.Select(r => r.Text).Order(StringComparer.Ordinal));
        AssertExactlyOnce(fake.AllRecords.Select(Id), new[] { run1, run2 });
    }

    [Fact]
    public async Task A_shard_that_expired_between_runs_is_forgotten_and_the_others_resume()
    {
        FakeKinesis fake = TwoOpenShards();
        await ReadWithCheckpointAsync(fake, After(3));
        fake.Shard(S1).Listed = false; // out of retention: ListShards no longer returns it
        fake.Append(S0, "a5");

        RunOutcome run2 = await ReadWithCheckpointAsync(fake);

        Assert.Equal(new[] { S1 }, run2.Expired);
        Assert.Equal(new[] { S0 }, SavedCheckpoint().Keys);
        Assert.All(run2.Delivered, r => Assert.Equal(S0, r.ShardId));
        Assert.Equal("a5", run2.Delivered[^1].Text);
    }

    [Theory]
    [InlineData("TrimHorizon", "a1,a2,a3,a4,a5,a6,b1,b2,b3,b4,b5,b6")]
    [InlineData("Latest", "a5,a6,b5,b6")]
    [InlineData("AtTimestamp", "a3,a4,a5,a6,b3,b4,b5,b6")]
    public async Task A_run_stopped_before_it_received_anything_still_lets_the_next_run_start_where_it_would_have(string startKind, string expected)
    {
        FakeKinesis fake = TwoOpenShards(); // a1…b4 arrived at +1 s … +8 s
        DateTimeOffset runAt = FakeKinesis.BaseTime.AddSeconds(100);
        StartPosition start = startKind switch
        {
            "Latest" => StartPosition.Latest,
            "AtTimestamp" => StartPosition.AtTimestamp(FakeKinesis.BaseTime.AddSeconds(4.5)),
            _ => StartPosition.TrimHorizon,
        };

        // Ctrl+C (or a crash after the first save) before the pipeline took a single batch.
        RunOutcome run1 = await ReadWithCheckpointAsync(fake, After(0), start: start, clock: () => runAt);
        fake.AppendKeyed(S0, "a5", "k", arrivedAt: runAt.AddSeconds(100));
        fake.AppendKeyed(S1, "b5", "k", arrivedAt: runAt.AddSeconds(101));
        fake.AppendKeyed(S0, "a6", "k", arrivedAt: runAt.AddSeconds(102));
        fake.AppendKeyed(S1, "b6", "k", arrivedAt: runAt.AddSeconds(103));
        RunOutcome run2 = await ReadWithCheckpointAsync(fake, start: start);

        Assert.Empty(run1.Delivered);
        Assert.Empty(run1.Consumed);
        Assert.Equal(new[] { S0, S1 }, SavedCheckpoint().Keys.Order());
        Assert.Equal(expected, string.Join(",", run2.Delivered.Select(r => r.Text).Order(StringComparer.Ordinal)));
    }

    [Fact]
    public async Task After_a_crash_the_records_since_the_last_save_are_delivered_again_and_none_is_missed()
    {
        var fake = new FakeKinesis();
        fake.AddShard(S0);
        for (int i = 1; i <= 10; i++) fake.Append(S0, "r" + i.ToString("D2", System.Globalization.CultureInfo.InvariantCulture));
        DateTimeOffset now = FakeKinesis.BaseTime;
        DateTimeOffset Tick() => now = now.AddSeconds(1); // every look at the clock is a second later

        RunOutcome run1 = await ReadWithCheckpointAsync(fake, After(7), batchSize: 2, crash: true, clock: Tick, saveInterval: TimeSpan.FromSeconds(3));
        string savedAfter = SavedCheckpoint()[S0].SequenceNumber;
        RunOutcome run2 = await ReadWithCheckpointAsync(fake, batchSize: 2);

        List<string> all = fake.RecordsOf(S0).Select(r => r.SequenceNumber).ToList();
        int resumeFrom = all.IndexOf(savedAfter) + 1;
        Assert.InRange(resumeFrom, 1, 6); // something was saved, and not the last record delivered
        Assert.Equal(all.Skip(resumeFrom), run2.Delivered.Select(r => r.SequenceNumber));
        Assert.Equal(all.Take(7), run1.Delivered.Select(r => r.SequenceNumber));
        Assert.Equal(all, run1.Delivered.Concat(run2.Delivered).Select(r => r.SequenceNumber).Distinct().Order(StringComparer.Ordinal));
    }
}
