using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using KinesisXAcct.Errors;
using KinesisXAcct.Kinesis;

namespace KinesisXAcct.Reading
{
    /// <summary>
    /// Reads a whole stream: lists its shards, reads every ready shard in parallel (one
    /// <see cref="ShardReader"/> each), and starts children when their parents end. Records go to
    /// the caller's channel; the caller completes it. The first failing shard cancels the others
    /// and its error is thrown.
    /// </summary>
    public sealed class StreamRecordReader
    {
        private readonly IKinesisApi _api;
        private readonly ReadOptions _options;
        private readonly IReadObserver _observer;

        public StreamRecordReader(IKinesisApi api, ReadOptions options, IReadObserver observer = null)
        {
            _api = api;
            _options = options;
            _observer = observer ?? NullReadObserver.Instance;
        }

        public async Task RunAsync(ChannelWriter<RecordBatch> output, CancellationToken cancellationToken)
        {
            IReadOnlyList<ShardDescription> shards = _options.ListedShards
                ?? await ListAllShardsAsync(_api, _options.Stream, cancellationToken).ConfigureAwait(false);
            ShardSchedule schedule = ScheduleFor(_options, shards);
            if (schedule.UnknownShards.Count > 0)
            {
                throw new KinesisXAcctException(
                    "ShardNotFound",
                    FailureKind.NotFound,
                    $"Stream '{_options.Stream.Display}' has no shard {string.Join(", ", schedule.UnknownShards)}. " +
                    $"Its shards are: {string.Join(", ", shards.Select(s => s.ShardId))} (Get-KinesisShard lists them).")
                { Target = schedule.UnknownShards[0] };
            }

            using (var failFast = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            // Shared by every shard of this read: see ReadOptions.MaxBatchesInFlight.
            using (var batchSlots = new SemaphoreSlim(Math.Max(1, _options.MaxBatchesInFlight)))
            {
                var running = new Dictionary<Task<ShardOutcome>, string>();
                try
                {
                    StartReady(schedule, running, output, batchSlots, failFast.Token);
                    while (running.Count > 0)
                    {
                        Task<ShardOutcome> done = await Task.WhenAny(running.Keys).ConfigureAwait(false);
                        running.Remove(done);
                        ShardOutcome outcome = await done.ConfigureAwait(false); // rethrows a shard's failure
                        schedule.MarkFinished(outcome.ShardId, outcome.ReachedEnd, outcome.Children);
                        StartReady(schedule, running, output, batchSlots, failFast.Token);
                    }
                }
                catch
                {
                    failFast.Cancel();
                    try
                    {
                        await Task.WhenAll(running.Keys).ConfigureAwait(false);
                    }
                    catch
                    {
                        // The first failure is the one worth reporting; the others are its echo (cancellations).
                    }

                    throw;
                }
            }
        }

        /// <summary>Every shard of the stream, open and closed, across pages.</summary>
        public static async Task<List<ShardDescription>> ListAllShardsAsync(IKinesisApi api, StreamIdentity stream, CancellationToken cancellationToken)
        {
            var shards = new List<ShardDescription>();
            var request = new ListShardsRequest { Stream = stream };
            while (true)
            {
                ListShardsResponse page = await api.ListShardsAsync(request, cancellationToken).ConfigureAwait(false);
                shards.AddRange(page.Shards);
                if (string.IsNullOrEmpty(page.NextToken)) return shards;
                request = new ListShardsRequest { Stream = stream, NextToken = page.NextToken };
            }
        }

        private void StartReady(ShardSchedule schedule, Dictionary<Task<ShardOutcome>, string> running, ChannelWriter<RecordBatch> output,
            SemaphoreSlim batchSlots, CancellationToken cancellationToken)
        {
            foreach (string shardId in schedule.TakeReady())
            {
                StartPosition start = StartFor(_options, schedule, shardId);
                bool readToEnd = schedule.IsKnownClosed(shardId);
                _observer.Notice(ReadNoticeLevel.Verbose, $"Reading shard {shardId} of {_options.Stream.Display} from {start}.");
                var reader = new ShardReader(_api, _options, shardId, start, readToEnd, output, _observer, schedule.HashKeyRangeOf(shardId), batchSlots);
                running.Add(Task.Run(() => reader.RunAsync(cancellationToken), cancellationToken), shardId);
            }
        }

        /// <summary>Which shards a read with <paramref name="options"/> begins with, and in what order the rest follow.</summary>
        public static ShardSchedule ScheduleFor(ReadOptions options, IEnumerable<ShardDescription> listed)
        {
            // From LATEST a closed shard has nothing new, unless per-shard starts say where to resume.
            bool openOnly = options.Start.Type == ShardIteratorType.Latest && options.ShardStarts == null;
            return new ShardSchedule(listed, options.ShardIds, openOnly, options.FinishedShards);
        }

        /// <summary>Where a shard's read begins: its own start if it has one, else the common start (a shard born during the read: from its beginning).</summary>
        public static StartPosition StartFor(ReadOptions options, ShardSchedule schedule, string shardId)
        {
            if (options.ShardStarts != null && options.ShardStarts.TryGetValue(shardId, out StartPosition resumed)) return resumed;
            return schedule.IsInitial(shardId) ? options.Start : options.Start.ForChildShard();
        }
    }
}
