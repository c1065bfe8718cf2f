using System;
using System.Collections.Generic;
using System.Linq;
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
    }
}
