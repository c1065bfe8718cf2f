using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using KinesisXAcct.Decoding;
using KinesisXAcct.Kinesis;

namespace KinesisXAcct.Reading
{
    /// <summary>How a shard's read ended.</summary>
    public sealed class ShardOutcome
    {
        public ShardOutcome(string shardId, bool reachedEnd, IReadOnlyList<ChildShard> children, string lastSequenceNumber)
        {
            ShardId = shardId;
            ReachedEnd = reachedEnd;
            Children = children;
            LastSequenceNumber = lastSequenceNumber;
        }

        public string ShardId { get; }
        /// <summary>True when the shard is closed and was read to its last record.</summary>
        public bool ReachedEnd { get; }
        public IReadOnlyList<ChildShard> Children { get; }
        public string LastSequenceNumber { get; }
    }

    /// <summary>
    /// Reads one shard: the GetRecords loop with pacing (within 5 calls/s), idle waits when caught
    /// up, renewal of an expired iterator after the last record handed on, and a stop at the tip
    /// unless following. Batches go to the channel in sequence order; the channel's bound is the
    /// back-pressure that keeps memory flat.
    /// </summary>
    public sealed class ShardReader
    {
        private readonly IKinesisApi _api;
        private readonly ReadOptions _options;
        private readonly string _shardId;
        private readonly StartPosition _start;
        private readonly bool _readToEnd;
        private readonly ChannelWriter<RecordBatch> _output;
        private readonly IReadObserver _observer;
        private readonly HashKeyRange? _hashKeyRange;
        private readonly SemaphoreSlim _batchSlots;

        /// <param name="readToEnd">The shard is closed: read it to its end (even without -Follow), then report its children.</param>
        /// <param name="batchSlots">Shared by the shards of a read: held from a GetRecords call until its batch is in the channel (<see cref="ReadOptions.MaxBatchesInFlight"/>). Null: no bound beyond the channel's.</param>
        public ShardReader(IKinesisApi api, ReadOptions options, string shardId, StartPosition start, bool readToEnd,
            ChannelWriter<RecordBatch> output, IReadObserver observer, HashKeyRange? hashKeyRange = null, SemaphoreSlim batchSlots = null)
        {
            _batchSlots = batchSlots;
            _hashKeyRange = hashKeyRange;
            _api = api;
            _options = options;
            _shardId = shardId;
            _start = start;
            _readToEnd = readToEnd;
            _output = output;
            _observer = observer ?? NullReadObserver.Instance;
        }

        public async Task<ShardOutcome> RunAsync(CancellationToken cancellationToken)
        {
            StreamIdentity stream = _options.Stream;
            string streamName = stream.Display;
            var context = new ShardContext(streamName, _shardId, _hashKeyRange);
            string lastSequenceNumber = null;
            int renewals = 0;
            int outages = 0;
            await _output.WriteAsync(RecordBatch.Started(streamName, _shardId, _start), cancellationToken).ConfigureAwait(false);
            string iterator = null;
            // LATEST names no position to come back to: a later iterator taken before the first record starts
            // from when this one was taken (less a clock-skew margin), so records that arrive during an outage or
            // while the iterator is renewed are not skipped. At least once: a few from just before may repeat.
            StartPosition restart = null;
            var clock = Stopwatch.StartNew();
            TimeSpan nextCallAt = TimeSpan.Zero;

            while (true)
            {
                // Task.Delay can wake a few ms early (whole milliseconds, a coarse timer clock): wait again
                // until the precise clock agrees, so the pace promised per shard is never undercut.
                TimeSpan wait;
                while ((wait = nextCallAt - clock.Elapsed) > TimeSpan.Zero)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Ceiling(wait.TotalMilliseconds)), cancellationToken).ConfigureAwait(false);
                }
                cancellationToken.ThrowIfCancellationRequested();

                // Where a new iterator starts: right after the last record handed on, so nothing is lost or repeated.
                StartPosition resume = lastSequenceNumber != null ? StartPosition.AfterSequenceNumber(lastSequenceNumber) : restart ?? _start;
                if (restart == null)
                {
                    restart = _start.Type == ShardIteratorType.Latest
                        ? StartPosition.AtTimestamp(DateTimeOffset.UtcNow - LatestSkewMargin)
                        : _start;
                }

                GetRecordsResponse response;
                int count;
                bool pastUntil = false;
                // A slot from the call until the batch is in the channel: what waits for the consumer is bounded per read, not per shard.
                if (_batchSlots != null) await _batchSlots.WaitAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    try
                    {
                        if (iterator == null) iterator = await GetIteratorAsync(resume, cancellationToken).ConfigureAwait(false);
                        // The pace counts from the call itself, after any wait for a batch slot or a new iterator:
                        // counted from before them, two calls could reach the service closer than the interval.
                        nextCallAt = clock.Elapsed + _options.MinPollInterval;
                        response = await _api.GetRecordsAsync(
                            new GetRecordsRequest { ShardIterator = iterator, Limit = _options.BatchSize, StreamArn = stream.Arn, ShardId = _shardId },
                            cancellationToken).ConfigureAwait(false);
                        renewals = 0;
                        if (outages > 0)
                        {
                            _observer.Notice(ReadNoticeLevel.Warning, $"Shard {_shardId} of {streamName}: Kinesis answers again; reading resumes at {resume}.");
                            outages = 0;
                        }
                    }
                    catch (KinesisServiceException e) when (e.IsExpiredIterator && renewals < _options.MaxIteratorRenewals)
                    {
                        // Iterators live five minutes (a slow pipeline can outlast one).
                        renewals++;
                        _observer.Notice(ReadNoticeLevel.Verbose, $"Shard {_shardId} of {streamName}: the shard iterator expired; renewing it at {resume}.");
                        iterator = null;
                        continue;
                    }
                    catch (KinesisServiceException e) when (_options.Follow && IsOutage(e))
                    {
                        // A follower outlives outages (endpoint restarted, network gone, throttled past the
                        // client's retries): warn once, back off up to a limit, and renew the iterator after it.
                        outages++;
                        TimeSpan backoff = TimeSpan.FromMilliseconds(Math.Min(_options.MaxOutageBackoff.TotalMilliseconds, 500 * Math.Pow(2, Math.Min(outages - 1, 10))));
                        _observer.Notice(outages == 1 ? ReadNoticeLevel.Warning : ReadNoticeLevel.Verbose,
                            $"Shard {_shardId} of {streamName}: {e.Message} Retrying in {backoff.TotalSeconds:0.#} s (attempt {outages}); nothing is lost meanwhile.");
                        iterator = null;
                        nextCallAt = clock.Elapsed + backoff;
                        continue;
                    }

                    count = response.Records.Count;
                    if (count > 0)
                    {
                        var records = new List<KinesisRecord>(count);
                        _options.Decoder.Decode(context, response.Records, records, _observer);
                        if (lastSequenceNumber == null && _start.SkipThroughSubSequence.HasValue) SkipDelivered(records);
                        pastUntil = CutAtUntil(records);
                        if (records.Count > 0)
                            await _output.WriteAsync(new RecordBatch(streamName, _shardId, records, response.MillisBehindLatest), cancellationToken).ConfigureAwait(false);

                        // Where a renewed iterator resumes: after the whole answer, or after the last record kept before -Until.
                        if (!pastUntil) lastSequenceNumber = response.Records[count - 1].SequenceNumber;
                        else if (records.Count > 0) lastSequenceNumber = records[records.Count - 1].SequenceNumber;
                    }
                }
                finally
                {
                    _batchSlots?.Release();
                }

                _observer.ShardProgress(streamName, _shardId, response.MillisBehindLatest, count);

                if (pastUntil)
                {
                    _observer.Notice(ReadNoticeLevel.Verbose, $"Shard {_shardId} of {streamName} reached a record after {_options.Until:u}; it is done.");
                    return new ShardOutcome(_shardId, reachedEnd: false, Array.Empty<ChildShard>(), lastSequenceNumber);
                }

                if (response.NextShardIterator == null)
                {
                    _observer.Notice(ReadNoticeLevel.Verbose, $"Shard {_shardId} of {streamName} is closed and was read to its end.");
                    return await FinishedAsync(streamName, response.ChildShards, lastSequenceNumber, cancellationToken).ConfigureAwait(false);
                }

                iterator = response.NextShardIterator;
                if (!IsCaughtUp(response)) continue;
                if (_readToEnd)
                {
                    // A closed shard takes no new records, so caught up is its end. Kinesis says so with a
                    // null iterator; some emulators (moto) never do, and this keeps them from spinning.
                    _observer.Notice(ReadNoticeLevel.Verbose, $"Shard {_shardId} of {streamName} is closed and caught up.");
                    return await FinishedAsync(streamName, response.ChildShards, lastSequenceNumber, cancellationToken).ConfigureAwait(false);
                }

                if (!_options.Follow || (_options.Until.HasValue && DateTimeOffset.UtcNow > _options.Until.Value))
                    return new ShardOutcome(_shardId, reachedEnd: false, Array.Empty<ChildShard>(), lastSequenceNumber);

                nextCallAt = clock.Elapsed + _options.IdlePollInterval;
            }
        }

        /// <summary>How far before a LATEST iterator was taken a renewed one starts (clocks of client and service differ).</summary>
        public static readonly TimeSpan LatestSkewMargin = TimeSpan.FromSeconds(5);

        /// <summary>Failures a follower waits out: no answer, 5xx, or throttling past the client's own retries.</summary>
        private static bool IsOutage(KinesisServiceException e) =>
            e.Kind == Errors.FailureKind.Connection || e.Kind == Errors.FailureKind.LimitsExceeded || e.StatusCode >= 500;

        private async Task<ShardOutcome> FinishedAsync(string streamName, IReadOnlyList<ChildShard> children, string lastSequenceNumber, CancellationToken cancellationToken)
        {
            await _output.WriteAsync(RecordBatch.Finished(streamName, _shardId, lastSequenceNumber), cancellationToken).ConfigureAwait(false);
            return new ShardOutcome(_shardId, reachedEnd: true, children, lastSequenceNumber);
        }

        /// <summary>Resuming inside an aggregate: drops its user records that an earlier run delivered.</summary>
        private void SkipDelivered(List<KinesisRecord> records)
        {
            long through = _start.SkipThroughSubSequence.Value;
            records.RemoveAll(r => r.SequenceNumber == _start.SequenceNumber && r.SubSequenceNumber.HasValue && r.SubSequenceNumber.Value <= through);
        }

        /// <summary>With an end time: removes the first record that arrived after it and all that follow; true if any did.</summary>
        private bool CutAtUntil(List<KinesisRecord> records)
        {
            if (!_options.Until.HasValue) return false;
            DateTime until = _options.Until.Value.UtcDateTime;
            int first = records.FindIndex(r => r.ApproximateArrivalTimestamp.HasValue && r.ApproximateArrivalTimestamp.Value > until);
            if (first < 0) return false;
            records.RemoveRange(first, records.Count - first);
            return true;
        }

        /// <summary>
        /// At the tip: an empty answer with nothing behind, or a short batch with nothing behind. A
        /// full batch may have more after it, and an empty answer with MillisBehindLatest above zero
        /// is a gap in the shard, not its tip.
        /// </summary>
        private bool IsCaughtUp(GetRecordsResponse response)
        {
            long behind = response.MillisBehindLatest ?? 0;
            if (response.Records.Count == 0) return behind == 0;
            return response.MillisBehindLatest == 0 && response.Records.Count < _options.BatchSize;
        }

        private Task<string> GetIteratorAsync(StartPosition position, CancellationToken cancellationToken) =>
            _api.GetShardIteratorAsync(position.ToRequest(_options.Stream, _shardId), cancellationToken);
    }
}
