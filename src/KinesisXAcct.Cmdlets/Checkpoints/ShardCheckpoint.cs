using System;
using KinesisXAcct.Reading;

namespace KinesisXAcct.Checkpoints
{
    /// <summary>
    /// How far one shard has been delivered. Exactly one of: a record (sequence number, and the
    /// sub-sequence inside a KPL aggregate), a time (the shard was started at a timestamp or at
    /// LATEST and nothing was delivered yet), its beginning, or finished (a closed shard read to its end).
    /// </summary>
    public sealed class ShardCheckpoint
    {
        public string SequenceNumber { get; private set; }
        public long? SubSequenceNumber { get; private set; }
        public DateTimeOffset? Timestamp { get; private set; }
        public bool TrimHorizon { get; private set; }
        public bool Finished { get; private set; }
        /// <summary>The sequence number is where to start (not yet delivered), rather than the last one delivered.</summary>
        public bool IsAtSequence { get; private set; }

        public static ShardCheckpoint AfterRecord(string sequenceNumber, long? subSequenceNumber) =>
            new ShardCheckpoint { SequenceNumber = sequenceNumber, SubSequenceNumber = subSequenceNumber };

        /// <summary>Nothing delivered yet; the read was asked to start at this record (included).</summary>
        public static ShardCheckpoint AtRecord(string sequenceNumber) => new ShardCheckpoint { SequenceNumber = sequenceNumber, IsAtSequence = true };

        public static ShardCheckpoint AtTime(DateTimeOffset timestamp) => new ShardCheckpoint { Timestamp = timestamp };

        public static ShardCheckpoint AtTrimHorizon() => new ShardCheckpoint { TrimHorizon = true };

        public static ShardCheckpoint Done(string lastSequenceNumber) => new ShardCheckpoint { Finished = true, SequenceNumber = lastSequenceNumber };

        internal static ShardCheckpoint Create(string sequenceNumber, long? subSequenceNumber, DateTimeOffset? timestamp, bool trimHorizon, bool finished, bool isAtSequence) =>
            new ShardCheckpoint
            {
                IsAtSequence = isAtSequence,
                SequenceNumber = sequenceNumber,
                SubSequenceNumber = subSequenceNumber,
                Timestamp = timestamp,
                TrimHorizon = trimHorizon,
                Finished = finished,
            };

        /// <summary>
        /// Where a later run resumes. Inside an aggregate it restarts at the aggregate and skips the
        /// user records already delivered, so the first half is not repeated.
        /// </summary>
        public StartPosition ResumePosition()
        {
            if (SequenceNumber != null && IsAtSequence) return StartPosition.AtSequenceNumber(SequenceNumber);
            if (SequenceNumber != null)
            {
                return SubSequenceNumber.HasValue
                    ? StartPosition.AtSequenceNumber(SequenceNumber, skipThroughSubSequence: SubSequenceNumber.Value)
                    : StartPosition.AfterSequenceNumber(SequenceNumber);
            }

            if (Timestamp.HasValue) return StartPosition.AtTimestamp(Timestamp.Value);
            return StartPosition.TrimHorizon;
        }
    }
}
