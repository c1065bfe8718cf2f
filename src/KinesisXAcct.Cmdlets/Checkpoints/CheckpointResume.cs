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
    /// from their beginning), shards it has never seen start where the caller said, and shards the
    /// stream no longer lists are handed back as expired.
    /// </summary>
    public static class CheckpointResume
    {
        /// <summary>
        /// Applies <paramref name="entries"/> (one stream's checkpoint) to <paramref name="options"/>.
        /// With no entries the options are left as they are (a stream new to the checkpoint starts
        /// where the caller said). Otherwise: <see cref="ReadOptions.Start"/> becomes TrimHorizon (for
        /// shards born since the checkpointed ones: read after their parents, from their beginning);
        /// <see cref="ReadOptions.ShardStarts"/> holds the resume position of every listed unfinished
        /// entry, and the caller's start for newcomers (listed shards that neither the checkpoint nor
        /// any of its shards' descendants cover, such as a shard left out by an earlier run's
        /// -ShardId); <see cref="ReadOptions.FinishedShards"/> the listed finished entries;
        /// <see cref="ReadOptions.ShardIds"/> the shards the read begins with: resumed entries and
        /// newcomers (within the caller's selection, if it made one), and selected shards born since.
        /// </summary>
        /// <param name="entries">The checkpoint's shards for this stream. Not kept: every result is copied, so the caller may forget expired shards afterwards.</param>
        /// <param name="listedShards">Every shard ListShards returns now, with its parents.</param>
        /// <returns>Shards in the checkpoint that the stream no longer lists (expired out of retention), in shard id order; the caller forgets them.</returns>
        public static IReadOnlyList<string> Apply(ReadOptions options, IReadOnlyDictionary<string, ShardCheckpoint> entries, IEnumerable<ShardDescription> listedShards)
        {
            if (options == null) throw new ArgumentNullException(nameof(options));
            if (listedShards == null) throw new ArgumentNullException(nameof(listedShards));
            if (entries == null || entries.Count == 0) return Array.Empty<string>();

            var listed = new Dictionary<string, ShardDescription>(StringComparer.Ordinal);
            foreach (ShardDescription shard in listedShards) listed[shard.ShardId] = shard;
            List<string> expired = entries.Keys.Where(id => !listed.ContainsKey(id)).OrderBy(id => id, StringComparer.Ordinal).ToList();
            List<KeyValuePair<string, ShardCheckpoint>> resume = entries.Where(e => listed.ContainsKey(e.Key) && !e.Value.Finished).ToList();

            StartPosition callerStart = options.Start;
            ICollection<string> selection = options.ShardIds;
            List<ShardDescription> unseen = listed.Values.Where(s => !entries.ContainsKey(s.ShardId)).ToList();
            // Never seen and not born from a checkpointed shard: nothing says where it was left, so it
            // starts where the caller said, as on a first run (from LATEST, closed ones have nothing new).
            List<string> newcomers = unseen
                .Where(s => !DescendsFromCheckpointed(s, listed, entries))
                .Where(s => selection != null ? selection.Contains(s.ShardId) : !(callerStart.Type == ShardIteratorType.Latest && s.EndingSequenceNumber != null))
                .Select(s => s.ShardId)
                .ToList();
            // Born since a checkpointed shard and asked for by name: read from its beginning (options.Start).
            IEnumerable<string> selectedBornSince = selection == null
                ? Enumerable.Empty<string>()
                : unseen.Where(s => selection.Contains(s.ShardId) && DescendsFromCheckpointed(s, listed, entries)).Select(s => s.ShardId);

            options.Start = StartPosition.TrimHorizon;
            options.ShardStarts = resume.ToDictionary(e => e.Key, e => e.Value.ResumePosition(), StringComparer.Ordinal);
            foreach (string id in newcomers) options.ShardStarts[id] = callerStart;
            options.FinishedShards = entries.Where(e => e.Value.Finished && listed.ContainsKey(e.Key)).Select(e => e.Key).ToList();
            IEnumerable<string> resumed = resume.Select(e => e.Key);
            if (selection != null) resumed = resumed.Where(selection.Contains);
            options.ShardIds = new HashSet<string>(resumed.Concat(newcomers).Concat(selectedBornSince), StringComparer.Ordinal);
            return expired;
        }

        /// <summary>True when a parent, grandparent, ... of <paramref name="shard"/> is in the checkpoint (listed or expired).</summary>
        private static bool DescendsFromCheckpointed(ShardDescription shard, IReadOnlyDictionary<string, ShardDescription> listed, IReadOnlyDictionary<string, ShardCheckpoint> entries)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var pending = new Stack<ShardDescription>();
            pending.Push(shard);
            while (pending.Count > 0)
            {
                ShardDescription current = pending.Pop();
                foreach (string parent in new[] { current.ParentShardId, current.AdjacentParentShardId })
                {
                    if (string.IsNullOrEmpty(parent) || !seen.Add(parent)) continue;
                    if (entries.ContainsKey(parent)) return true;
                    if (listed.TryGetValue(parent, out ShardDescription grandparent)) pending.Push(grandparent);
                }
            }

            return false;
        }

        /// <summary>
        /// Tells <paramref name="tracker"/> where every shard the read begins with starts, before any
        /// reader runs: a run stopped early (-First, Ctrl+C, a crash) then still tells the next run where
        /// the shards it never reached begin (from LATEST, a shard that was never recorded would otherwise
        /// lose the records that arrive between the runs). Picks the shards and their starts with the
        /// reader's own <see cref="StreamRecordReader.ScheduleFor"/> and <see cref="StreamRecordReader.StartFor"/>.
        /// Shards the checkpoint already has keep their entry, so it is safe on every run (after
        /// <see cref="Apply"/>, it changes nothing).
        /// </summary>
        /// <param name="options">The options the read will use (after <see cref="Apply"/>, if the checkpoint had entries).</param>
        /// <param name="listedShards">Every shard ListShards returns now.</param>
        public static void RecordInitialStarts(CheckpointTracker tracker, ReadOptions options, IEnumerable<ShardDescription> listedShards)
        {
            if (tracker == null) throw new ArgumentNullException(nameof(tracker));
            if (options == null) throw new ArgumentNullException(nameof(options));
            if (listedShards == null) throw new ArgumentNullException(nameof(listedShards));

            ShardSchedule schedule = StreamRecordReader.ScheduleFor(options, listedShards);
            foreach (string shardId in schedule.InScope.Where(schedule.IsInitial).OrderBy(id => id, StringComparer.Ordinal).ToList())
                tracker.ShardStarted(shardId, StreamRecordReader.StartFor(options, schedule, shardId));
        }
    }
}
