using System;
using System.Collections.Concurrent;
using System.Globalization;

namespace KinesisXAcct.Reading
{
    /// <summary>
    /// What a progress bar should say while a read catches up: how many records went out and which
    /// shard is furthest behind its tip (by its last GetRecords answer). Silent while every shard is at
    /// its tip, so a caught-up read or a -Follow shows nothing; once shown it keeps updating until the
    /// read ends. Updates come from the shard readers' threads; <see cref="Next"/> runs on the pipeline thread.
    /// </summary>
    public sealed class ReadProgress
    {
        /// <summary>Not more often than this: a progress bar redrawn for every batch costs more than it tells.</summary>
        public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);

        private readonly ConcurrentDictionary<string, long> _behind = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        private DateTime _last = DateTime.MinValue;

        /// <summary>True once a status line has been returned: the caller completes the bar at the end.</summary>
        public bool Shown { get; private set; }

        /// <summary>After each GetRecords answer (null when the answer carried no MillisBehindLatest).</summary>
        public void Update(string streamName, string shardId, long? millisBehindLatest)
        {
            if (millisBehindLatest.HasValue) _behind[streamName + "/" + shardId] = millisBehindLatest.Value;
        }

        /// <summary>The shard furthest behind its tip; null before any answer.</summary>
        public (string Shard, long MillisBehind)? Slowest()
        {
            (string, long)? slowest = null;
            foreach (var entry in _behind)
            {
                if (slowest == null || entry.Value > slowest.Value.Item2) slowest = (entry.Key, entry.Value);
            }

            return slowest;
        }

        /// <summary>The status line to show now, or null: too soon since the last one, or nothing is behind yet.</summary>
        public string Next(DateTime utcNow, long recordsOut)
        {
            if (utcNow - _last < Interval) return null;
            _last = utcNow;
            var slowest = Slowest();
            if (!Shown && (slowest == null || slowest.Value.MillisBehind == 0)) return null;
            Shown = true;
            string behind = slowest == null ? "unknown" : TimeSpan.FromMilliseconds(slowest.Value.MillisBehind).ToString(@"d\.hh\:mm\:ss", CultureInfo.InvariantCulture);
            return string.Format(CultureInfo.InvariantCulture, "{0:N0} records; slowest shard {1} is {2} behind the tip", recordsOut, slowest?.Shard, behind);
        }
    }
}
