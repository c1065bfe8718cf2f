using System.Collections.Generic;
using KinesisXAcct.Kinesis;
using KinesisXAcct.Reading;

namespace KinesisXAcct.Decoding
{
    /// <summary>The shard a GetRecords answer came from, as a decoder needs it.</summary>
    public sealed class ShardContext
    {
        public ShardContext(string streamName, string shardId, HashKeyRange? hashKeyRange)
        {
            StreamName = streamName;
            ShardId = shardId;
            HashKeyRange = hashKeyRange;
        }

        public string StreamName { get; }
        public string ShardId { get; }
        /// <summary>Null when unknown; then no KPL user record is dropped for being outside it.</summary>
        public HashKeyRange? HashKeyRange { get; }
    }

    /// <summary>
    /// Turns the records of one GetRecords answer into the records a user sees: one to one (raw),
    /// or one to many (KPL de-aggregation).
    /// </summary>
    public interface IRecordDecoder
    {
        void Decode(ShardContext shard, IReadOnlyList<WireRecord> wireRecords, List<KinesisRecord> output, IReadObserver observer);
    }

    /// <summary>One wire record, one <see cref="KinesisRecord"/>, payload untouched (<c>-Raw</c>).</summary>
    public sealed class PlainRecordDecoder : IRecordDecoder
    {
        public static readonly PlainRecordDecoder Instance = new PlainRecordDecoder();

        [System.Runtime.CompilerServices.MethodImpl(Hot.Path)]
        public void Decode(ShardContext shard, IReadOnlyList<WireRecord> wireRecords, List<KinesisRecord> output, IReadObserver observer)
        {
            for (int i = 0; i < wireRecords.Count; i++)
            {
                WireRecord r = wireRecords[i];
                output.Add(new KinesisRecord(shard.StreamName, shard.ShardId, r.SequenceNumber, null, r.PartitionKey, null,
                    r.ApproximateArrivalTimestamp?.UtcDateTime, r.Data));
            }
        }
    }

    /// <summary>
    /// Splits KPL aggregates into their user records (the default). A record that looks aggregated
    /// but fails its checks is passed on whole with a warning; user records outside the shard's
    /// hash range (left over from resharding) are dropped, as the KCL does.
    /// </summary>
    public sealed class KplRecordDecoder : IRecordDecoder
    {
        public static readonly KplRecordDecoder Instance = new KplRecordDecoder();

        [System.Runtime.CompilerServices.MethodImpl(Hot.Path)]
        public void Decode(ShardContext shard, IReadOnlyList<WireRecord> wireRecords, List<KinesisRecord> output, IReadObserver observer)
        {
            for (int i = 0; i < wireRecords.Count; i++)
            {
                KplDecodeOutcome outcome = KplDeaggregator.Decode(shard.StreamName, shard.ShardId, wireRecords[i], shard.HashKeyRange, output);
                if (outcome.Problem != null) observer?.Notice(ReadNoticeLevel.Warning, outcome.Problem);
                if (outcome.DroppedOutOfRange > 0)
                {
                    observer?.Notice(ReadNoticeLevel.Verbose,
                        $"Shard {shard.ShardId}: {outcome.DroppedOutOfRange} user record(s) of aggregate {wireRecords[i].SequenceNumber} belong to another shard's hash range (resharding) and were skipped.");
                }
            }
        }
    }
}
