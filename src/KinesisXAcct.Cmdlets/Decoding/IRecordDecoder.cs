using System.Collections.Generic;
using KinesisXAcct.Kinesis;

namespace KinesisXAcct.Decoding
{
    /// <summary>
    /// Turns the records of one GetRecords answer into the records a user sees. The plain decoder
    /// maps one to one; a KPL de-aggregating decoder can map one to many.
    /// </summary>
    public interface IRecordDecoder
    {
        void Decode(string streamName, string shardId, IReadOnlyList<WireRecord> wireRecords, List<KinesisRecord> output);
    }

    /// <summary>One wire record, one <see cref="KinesisRecord"/>, payload untouched.</summary>
    public sealed class PlainRecordDecoder : IRecordDecoder
    {
        public static readonly PlainRecordDecoder Instance = new PlainRecordDecoder();

        public void Decode(string streamName, string shardId, IReadOnlyList<WireRecord> wireRecords, List<KinesisRecord> output)
        {
            for (int i = 0; i < wireRecords.Count; i++)
            {
                WireRecord r = wireRecords[i];
                output.Add(new KinesisRecord(streamName, shardId, r.SequenceNumber, null, r.PartitionKey, null,
                    r.ApproximateArrivalTimestamp?.UtcDateTime, r.Data));
            }
        }
    }
}
