using System;
using System.Collections.Generic;
using KinesisXAcct.Decoding;
using KinesisXAcct.Kinesis;

namespace KinesisXAcct.Reading
{
    /// <summary>What to read from one stream, from where, and until when.</summary>
    public sealed class ReadOptions
    {
        public StreamIdentity Stream { get; set; }

        /// <summary>Read only these shards (and the shards they split or merge into). Null: every shard.</summary>
        public ICollection<string> ShardIds { get; set; }

        /// <summary>The stream's shards when the caller has listed them already (to resume a checkpoint); null: the reader lists them.</summary>
        public IReadOnlyList<ShardDescription> ListedShards { get; set; }

        public StartPosition Start { get; set; } = StartPosition.TrimHorizon;

        /// <summary>
        /// Per-shard positions that win over <see cref="Start"/> (a resumed checkpoint, for example).
        /// A shard listed here is read from that position even if it is closed.
        /// </summary>
        public IDictionary<string, StartPosition> ShardStarts { get; set; }

        /// <summary>Closed shards already read to their end (by an earlier run): not read again; their children are.</summary>
        public ICollection<string> FinishedShards { get; set; }

        /// <summary>
        /// Stop each shard at its first record that arrived after this time (that record is not
        /// delivered), or once it is caught up past it. Null: no time limit.
        /// </summary>
        public DateTimeOffset? Until { get; set; }

        /// <summary>False: stop each shard at its tip (the records present when the read started). True: keep polling.</summary>
        public bool Follow { get; set; }

        /// <summary>Records asked for per GetRecords call (the API's maximum is 10,000).</summary>
        public int BatchSize { get; set; } = 10000;

        /// <summary>
        /// GetRecords answers that may be fetched and decoded but not yet handed on, across all the
        /// shards of the read (up to 10 MB each). Without this bound every shard reader could hold one,
        /// so memory would grow with the shard count; with it a 500-shard stream needs no more than a
        /// 16-shard one. A shard waits for a free slot before its next call, in turn with the others.
        /// 16: streams of up to 16 shards are read exactly as without a bound (fewer slots cost the
        /// 16-shard benchmark read about a tenth of its rate).
        /// </summary>
        public int MaxBatchesInFlight { get; set; } = 16;

        /// <summary>
        /// The least time between two GetRecords calls on one shard. Kinesis allows 5 calls/s per shard;
        /// 200 ms exactly let network jitter put 6 calls into one second at the server (the benchmark
        /// saw gaps of 191 ms), so 225 ms keeps any one-second window at 5 or fewer.
        /// </summary>
        public TimeSpan MinPollInterval { get; set; } = TimeSpan.FromMilliseconds(225);

        /// <summary>How long a caught-up shard waits before polling again (with <see cref="Follow"/>).</summary>
        public TimeSpan IdlePollInterval { get; set; } = TimeSpan.FromSeconds(1);

        /// <summary>With <see cref="Follow"/>: the longest wait between attempts while Kinesis is unreachable.</summary>
        public TimeSpan MaxOutageBackoff { get; set; } = TimeSpan.FromSeconds(30);

        /// <summary>How many times an expired iterator is renewed in a row before giving up.</summary>
        public int MaxIteratorRenewals { get; set; } = 5;

        /// <summary>KPL de-aggregation by default; <see cref="PlainRecordDecoder"/> for raw records.</summary>
        public IRecordDecoder Decoder { get; set; } = KplRecordDecoder.Instance;
    }
}
