using System;
using System.Collections.Generic;
using System.Linq;
using KinesisXAcct.Kinesis;
using KinesisXAcct.Reading;

namespace KinesisXAcct.Checkpoints
{
    /// <summary>
    /// Turns a stream's checkpoint entries into the read options of the next run: shards it has are
    /// read from after their last delivered record, finished ones are skipped (their children are read
    /// from their beginning), and shards the stream no longer lists are handed back as expired.
    /// </summary>
    public static class CheckpointResume
    {
        /// <summary>
        /// Applies <paramref name="entries"/> (one stream's checkpoint) to <paramref name="options"/>.
        /// With no entries the options are left as they are (a stream new to the checkpoint starts
        /// where the caller said). Otherwise: <see cref="ReadOptions.Start"/> becomes TrimHorizon (for
        /// shards born since, read after their parents); <see cref="ReadOptions.ShardStarts"/> holds the
        /// resume position of every listed unfinished entry; <see cref="ReadOptions.FinishedShards"/>
        /// the listed finished ones; <see cref="ReadOptions.ShardIds"/> the listed unfinished ones
        /// (within the caller's selection, if it made one).
        /// </summary>
        /// <param name="entries">The checkpoint's shards for this stream. Not kept: every result is copied, so the caller may forget expired shards afterwards.</param>
        /// <param name="listedShardIds">Every shard ListShards returns now.</param>
        /// <returns>Shards in the checkpoint that the stream no longer lists (expired out of retention), in shard id order; the caller forgets them.</returns>
        public static IReadOnlyList<string> Apply(ReadOptions options, IReadOnlyDictionary<string, ShardCheckpoint> entries, IEnumerable<string> listedShardIds)
        {
            if (options == null) throw new ArgumentNullException(nameof(options));
            if (listedShardIds == null) throw new ArgumentNullException(nameof(listedShardIds));
            if (entries == null || entries.Count == 0) return Array.Empty<string>();

            var listed = new HashSet<string>(listedShardIds, StringComparer.Ordinal);
            List<string> expired = entries.Keys.Where(id => !listed.Contains(id)).OrderBy(id => id, StringComparer.Ordinal).ToList();
            List<KeyValuePair<string, ShardCheckpoint>> resume = entries.Where(e => listed.Contains(e.Key) && !e.Value.Finished).ToList();

            options.Start = StartPosition.TrimHorizon;
            options.ShardStarts = resume.ToDictionary(e => e.Key, e => e.Value.ResumePosition(), StringComparer.Ordinal);
            options.FinishedShards = entries.Where(e => e.Value.Finished && listed.Contains(e.Key)).Select(e => e.Key).ToList();
            IEnumerable<string> selected = resume.Select(e => e.Key);
            if (options.ShardIds != null) selected = selected.Where(options.ShardIds.Contains);
            options.ShardIds = new HashSet<string>(selected, StringComparer.Ordinal);
            return expired;
        }

        /// <summary>
        /// Tells <paramref name="tracker"/> where every shard the read begins with starts, before any
        /// reader runs: a run stopped early (-First, Ctrl+C, a crash) then still tells the next run where
        /// the shards it never reached begin (from LATEST, a shard that was never recorded would otherwise
        /// lose the records that arrive between the runs). Picks the shards exactly as the reader's
        /// <see cref="ShardSchedule"/> does. Shards the checkpoint already has keep their entry, so it is
        /// safe on every run (after <see cref="Apply"/>, it changes nothing).
        /// </summary>
        /// <param name="options">The options the read will use (after <see cref="Apply"/>, if the checkpoint had entries).</param>
        /// <param name="listedShards">Every shard ListShards returns now.</param>
        public static void RecordInitialStarts(CheckpointTracker tracker, ReadOptions options, IEnumerable<ShardDescription> listedShards)
        {
            if (tracker == null) throw new ArgumentNullException(nameof(tracker));
            if (options == null) throw new ArgumentNullException(nameof(options));
            if (listedShards == null) throw new ArgumentNullException(nameof(listedShards));

            bool openOnly = options.Start.Type == ShardIteratorType.Latest && options.ShardStarts == null;
            var schedule = new ShardSchedule(listedShards, options.ShardIds, openOnly, options.FinishedShards);
            foreach (string shardId in schedule.InScope.Where(schedule.IsInitial).OrderBy(id => id, StringComparer.Ordinal).ToList())
            {
                StartPosition start = options.ShardStarts != null && options.ShardStarts.TryGetValue(shardId, out StartPosition resumed) ? resumed : options.Start;
                tracker.ShardStarted(shardId, start);
            }
        }
    }
}
