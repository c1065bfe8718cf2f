using System;
using KinesisXAcct.Kinesis;
using KinesisXAcct.Reading;

namespace KinesisXAcct.Checkpoints
{
    /// <summary>
    /// Keeps a checkpoint file in step with what the pipeline actually received: told on the
    /// pipeline thread when a shard starts, after each record is written out, and when a shard
    /// ends. Saves at most once per <see cref="SaveInterval"/> and on <see cref="Flush"/>, so a
    /// crash repeats at most the records of the last interval (at least once, never a gap).
    /// </summary>
    public sealed class CheckpointTracker
    {
        /// <summary>LATEST has no position to save: resume from shortly before the read began (the reader's clock skew margin).</summary>
        public static TimeSpan LatestSkewMargin => ShardReader.LatestSkewMargin;

        private readonly CheckpointFile _file;
        private readonly string _streamArn;
        private readonly Func<DateTimeOffset> _clock;
        private DateTimeOffset _lastSave;

        public CheckpointTracker(CheckpointFile file, string streamArn, Func<DateTimeOffset> clock = null)
        {
            _file = file;
            _streamArn = streamArn;
            _clock = clock ?? (() => DateTimeOffset.UtcNow);
            _lastSave = _clock();
        }

        public TimeSpan SaveInterval { get; set; } = TimeSpan.FromSeconds(1);

        /// <summary>A shard's read began here. Saved only if the checkpoint has nothing for it yet.</summary>
        public void ShardStarted(string shardId, StartPosition start)
        {
            if (_file.ShardsOf(_streamArn).ContainsKey(shardId)) return;
            switch (start.Type)
            {
                case ShardIteratorType.TrimHorizon:
                    _file.Record(_streamArn, shardId, ShardCheckpoint.AtTrimHorizon());
                    break;
                case ShardIteratorType.Latest:
                    _file.Record(_streamArn, shardId, ShardCheckpoint.AtTime(_clock() - LatestSkewMargin));
                    break;
                case ShardIteratorType.AtTimestamp:
                    _file.Record(_streamArn, shardId, ShardCheckpoint.AtTime(start.Timestamp.Value));
                    break;
                case ShardIteratorType.AtSequenceNumber:
                    _file.Record(_streamArn, shardId, start.SkipThroughSubSequence.HasValue
                        ? ShardCheckpoint.AfterRecord(start.SequenceNumber, start.SkipThroughSubSequence)
                        : ShardCheckpoint.AtRecord(start.SequenceNumber));
                    break;
                case ShardIteratorType.AfterSequenceNumber:
                    _file.Record(_streamArn, shardId, ShardCheckpoint.AfterRecord(start.SequenceNumber, null));
                    break;
            }
        }

        /// <summary>A record reached the pipeline.</summary>
        public void Delivered(KinesisRecord record)
        {
            _file.Record(_streamArn, record.ShardId, ShardCheckpoint.AfterRecord(record.SequenceNumber, record.SubSequenceNumber));
        }

        /// <summary>A closed shard was read to its end: later runs skip it and go on with its children.</summary>
        public void ShardFinished(string shardId, string lastSequenceNumber)
        {
            _file.Record(_streamArn, shardId, ShardCheckpoint.Done(lastSequenceNumber));
        }

        /// <summary>A shard in the checkpoint that the stream no longer has (expired out of retention).</summary>
        public void Forget(string shardId) => _file.Forget(_streamArn, shardId);

        public void SaveIfDue()
        {
            DateTimeOffset now = _clock();
            if (now - _lastSave < SaveInterval) return;
            _file.Save();
            _lastSave = now;
        }

        public void Flush()
        {
            _file.Save();
            _lastSave = _clock();
        }
    }
}
