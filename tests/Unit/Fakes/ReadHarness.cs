using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using KinesisXAcct.Reading;

namespace KinesisXAcct.Tests.Unit.Fakes;

internal sealed record ReadResult(IReadOnlyList<RecordBatch> Batches, TimeSpan Elapsed)
{
    public IReadOnlyList<KinesisRecord> Records => Batches.SelectMany(b => b.Records).ToList();

    public IReadOnlyList<string> Texts => Records.Select(r => r.Text).ToList();

    public IReadOnlyList<KinesisRecord> RecordsOf(string shardId) => Records.Where(r => r.ShardId == shardId).ToList();
}

/// <summary>Keeps the notices a read reports.</summary>
internal sealed class RecordingObserver : IReadObserver
{
    public ConcurrentQueue<(ReadNoticeLevel Level, string Message)> Notices { get; } = new();
    public ConcurrentQueue<(string ShardId, long? Behind, int Count)> Progress { get; } = new();

    public void Notice(ReadNoticeLevel level, string message) => Notices.Enqueue((level, message));

    public void ShardProgress(string streamName, string shardId, long? millisBehindLatest, int recordCount) =>
        Progress.Enqueue((shardId, millisBehindLatest, recordCount));
}

/// <summary>Runs <see cref="StreamRecordReader"/> against a <see cref="FakeKinesis"/> with test-speed pacing.</summary>
internal static class ReadHarness
{
    public static ReadOptions Options(FakeKinesis fake, int batchSize = 100) => new()
    {
        Stream = fake.Stream,
        BatchSize = batchSize,
        MinPollInterval = TimeSpan.FromMilliseconds(1),
        IdlePollInterval = TimeSpan.FromMilliseconds(10),
    };

    /// <summary>Reads until the reader ends by itself; a read that runs past the timeout fails the test.</summary>
    public static async Task<ReadResult> ReadAsync(FakeKinesis fake, ReadOptions options, IReadObserver observer = null, TimeSpan? timeout = null)
    {
        TimeSpan limit = timeout ?? TimeSpan.FromSeconds(10);
        var channel = Channel.CreateUnbounded<RecordBatch>(new UnboundedChannelOptions { SingleReader = true });
        using var cts = new CancellationTokenSource(limit);
        var clock = Stopwatch.StartNew();
        try
        {
            await new StreamRecordReader(fake, options, observer).RunAsync(channel.Writer, cts.Token);
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            throw new TimeoutException($"The read did not end by itself within {limit.TotalSeconds} s.");
        }
        finally
        {
            channel.Writer.TryComplete();
        }

        var batches = new List<RecordBatch>();
        while (channel.Reader.TryRead(out RecordBatch batch)) batches.Add(batch);
        return new ReadResult(batches, clock.Elapsed);
    }

    /// <summary>Starts a read in the background with a consumer draining the channel.</summary>
    public static RunningRead Start(FakeKinesis fake, ReadOptions options, int? channelCapacity = null, bool consume = true) =>
        new(fake, options, channelCapacity, consume);

    /// <summary>Waits for a condition, polling; false when it did not hold in time.</summary>
    public static async Task<bool> EventuallyAsync(Func<bool> condition, TimeSpan? timeout = null)
    {
        var clock = Stopwatch.StartNew();
        TimeSpan limit = timeout ?? TimeSpan.FromSeconds(5);
        while (!condition())
        {
            if (clock.Elapsed > limit) return false;
            await Task.Delay(5);
        }

        return true;
    }
}

internal sealed class RunningRead : IAsyncDisposable
{
    private readonly ConcurrentQueue<KinesisRecord> _received = new();
    private readonly Task _pump;

    public RunningRead(FakeKinesis fake, ReadOptions options, int? channelCapacity, bool consume)
    {
        Channel = channelCapacity is int capacity
            ? System.Threading.Channels.Channel.CreateBounded<RecordBatch>(new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.Wait })
            : System.Threading.Channels.Channel.CreateUnbounded<RecordBatch>();
        Run = Task.Run(async () =>
        {
            try
            {
                await new StreamRecordReader(fake, options).RunAsync(Channel.Writer, Cts.Token);
            }
            finally
            {
                Channel.Writer.TryComplete();
            }
        });
        _pump = consume ? Task.Run(PumpAsync) : Task.CompletedTask;
    }

    public Channel<RecordBatch> Channel { get; }
    public CancellationTokenSource Cts { get; } = new();
    public Task Run { get; }

    public IReadOnlyList<KinesisRecord> Received => _received.ToList();

    public Task<bool> WaitForRecordsAsync(int count, TimeSpan? timeout = null) =>
        ReadHarness.EventuallyAsync(() => _received.Count >= count, timeout);

    /// <summary>Starts draining the channel (for reads started with nobody consuming).</summary>
    public Task StartConsuming() => Task.Run(PumpAsync);

    private async Task PumpAsync()
    {
        await foreach (RecordBatch batch in Channel.Reader.ReadAllAsync())
            foreach (KinesisRecord record in batch.Records)
                _received.Enqueue(record);
    }

    public async ValueTask DisposeAsync()
    {
        Cts.Cancel();
        try
        {
            await Run.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch
        {
            // The test asserts on Run itself where the outcome matters.
        }

        Cts.Dispose();
    }
}
