using System;
using System.Collections.Generic;
using System.Globalization;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using KinesisXAcct.Kinesis;

namespace KinesisXAcct.Decoding
{
    /// <summary>Why an aggregated-looking record was not de-aggregated.</summary>
    internal enum DeaggregationFailure
    {
        None,
        /// <summary>No KPL magic, or too short to hold magic, protobuf and digest: a plain record.</summary>
        NotAggregated,
        DigestMismatch,
        MalformedProtobuf,
        PartitionKeyIndexOutOfRange,
        ExplicitHashKeyIndexOutOfRange,
        InvalidExplicitHashKey,
    }

    /// <summary>One user record of a KPL aggregate.</summary>
    internal readonly struct KplUserRecord
    {
        public KplUserRecord(string partitionKey, string explicitHashKey, byte[] data, long subSequenceNumber)
        {
            PartitionKey = partitionKey;
            ExplicitHashKey = explicitHashKey;
            Data = data;
            SubSequenceNumber = subSequenceNumber;
        }

        public string PartitionKey { get; }
        /// <summary>Decimal, or null when the producer gave none.</summary>
        public string ExplicitHashKey { get; }
        public byte[] Data { get; }
        /// <summary>Position in the aggregate's <c>records</c>, from 0.</summary>
        public long SubSequenceNumber { get; }
    }

    /// <summary>The user records of an aggregate, or why there are none.</summary>
    internal sealed class DeaggregationResult
    {
        private static readonly KplUserRecord[] NoRecords = new KplUserRecord[0];

        internal static readonly DeaggregationResult NotAggregated =
            new DeaggregationResult(DeaggregationFailure.NotAggregated, "it is not a KPL aggregate", null);

        internal DeaggregationResult(DeaggregationFailure failure, string failureReason, IReadOnlyList<KplUserRecord> userRecords)
        {
            Failure = failure;
            FailureReason = failureReason;
            UserRecords = userRecords ?? NoRecords;
        }

        public bool Succeeded => Failure == DeaggregationFailure.None;
        public DeaggregationFailure Failure { get; }
        /// <summary>Human-readable, for a warning; null on success.</summary>
        public string FailureReason { get; }
        /// <summary>In aggregate order; empty on failure.</summary>
        public IReadOnlyList<KplUserRecord> UserRecords { get; }
    }

    /// <summary>A shard's hash key range, both ends inclusive.</summary>
    public readonly struct HashKeyRange
    {
        public HashKeyRange(BigInteger start, BigInteger end)
        {
            if (start > end) throw new ArgumentException("The range's start is above its end.", nameof(start));
            Start = start;
            End = end;
        }

        public BigInteger Start { get; }
        public BigInteger End { get; }

        public bool Contains(BigInteger hashKey) => hashKey >= Start && hashKey <= End;

        /// <summary>From a shard description's decimal <c>StartingHashKey</c>/<c>EndingHashKey</c>; null if either is missing or bad.</summary>
        public static HashKeyRange? FromShard(ShardDescription shard)
        {
            if (shard == null
                || !KplDeaggregator.TryParseHashKey(shard.StartingHashKey, out BigInteger start)
                || !KplDeaggregator.TryParseHashKey(shard.EndingHashKey, out BigInteger end)
                || start > end)
            {
                return null;
            }
            return new HashKeyRange(start, end);
        }

        public override string ToString() => "[" + Start + ", " + End + "]";
    }

    /// <summary>What <see cref="KplDeaggregator.Decode"/> did with one wire record.</summary>
    internal readonly struct KplDecodeOutcome
    {
        public KplDecodeOutcome(int emitted, int droppedOutOfRange, string problem)
        {
            Emitted = emitted;
            DroppedOutOfRange = droppedOutOfRange;
            Problem = problem;
        }

        /// <summary>How many records were appended to the output.</summary>
        public int Emitted { get; }
        /// <summary>User records left out because their effective hash key lies outside the shard's range.</summary>
        public int DroppedOutOfRange { get; }
        /// <summary>Set when the record looked aggregated but was passed through whole; worth a warning.</summary>
        public string Problem { get; }
    }

    /// <summary>
    /// De-aggregates KPL (Kinesis Producer Library) aggregated records the way the KCL does: a record whose data is
    /// the magic <c>F3 89 9A C2</c>, a protobuf <c>AggregatedRecord</c> and the 16-byte MD5 of that protobuf carries
    /// several user records. A record that only looks aggregated but fails the digest or the protobuf checks is
    /// handed on whole, as the KCL does. Never throws for bad data.
    /// </summary>
    internal static class KplDeaggregator
    {
        internal static readonly byte[] Magic = { 0xF3, 0x89, 0x9A, 0xC2 };
        internal const int DigestLength = 16;

        // Field tags (field number << 3 | wire type) of the KPL's messages.proto.
        private const uint PartitionKeyTableTag = (1 << 3) | 2;
        private const uint ExplicitHashKeyTableTag = (2 << 3) | 2;
        private const uint RecordsTag = (3 << 3) | 2;
        private const uint PartitionKeyIndexTag = (1 << 3) | 0;
        private const uint ExplicitHashKeyIndexTag = (2 << 3) | 0;
        private const uint DataTag = (3 << 3) | 2;
        private const uint TagsTag = (4 << 3) | 2;
        private const uint TagKeyTag = (1 << 3) | 2;

        [ThreadStatic] private static MD5 t_md5;

        /// <summary>
        /// True when <paramref name="data"/> starts with the KPL magic and has room for a non-empty protobuf and
        /// the digest after it (more than 20 bytes), the KCL's test. Anything else is a plain record.
        /// </summary>
        public static bool IsAggregated(byte[] data)
        {
            if (data == null || data.Length <= Magic.Length + DigestLength) return false;
            for (int i = 0; i < Magic.Length; i++)
            {
                if (data[i] != Magic[i]) return false;
            }
            return true;
        }

        /// <summary>The user records of an aggregated record, or why it cannot be de-aggregated.</summary>
        public static DeaggregationResult Deaggregate(byte[] data)
        {
            if (!IsAggregated(data)) return DeaggregationResult.NotAggregated;
            var sink = new ListSink(new List<KplUserRecord>());
            DeaggregationFailure failure = Read(data, ref sink, out string reason);
            return failure == DeaggregationFailure.None
                ? new DeaggregationResult(failure, null, sink.Records)
                : new DeaggregationResult(failure, reason, null);
        }

        /// <summary>
        /// The hash key Kinesis maps a record to: the explicit hash key (decimal) when there is one, else the MD5 of
        /// the UTF-8 partition key read as an unsigned 128-bit big-endian integer.
        /// </summary>
        /// <exception cref="FormatException">The explicit hash key is not a decimal number.</exception>
        public static BigInteger EffectiveHashKey(string partitionKey, string explicitHashKey)
        {
            if (explicitHashKey != null)
            {
                if (!TryParseHashKey(explicitHashKey, out BigInteger explicitKey))
                {
                    throw new FormatException("Explicit hash key '" + explicitHashKey + "' is not a decimal number.");
                }
                return explicitKey;
            }
            if (partitionKey == null) throw new ArgumentNullException(nameof(partitionKey));

            byte[] utf8 = Encoding.UTF8.GetBytes(partitionKey);
            byte[] digest = Md5().ComputeHash(utf8);
            // BigInteger wants little-endian two's complement: reverse, and a zero top byte keeps it unsigned.
            var littleEndian = new byte[DigestLength + 1];
            for (int i = 0; i < DigestLength; i++) littleEndian[i] = digest[DigestLength - 1 - i];
            return new BigInteger(littleEndian);
        }

        /// <summary>
        /// Appends the records <paramref name="record"/> stands for to <paramref name="output"/>: the user records
        /// of a valid aggregate (those inside <paramref name="range"/> when one is given), else the record itself
        /// (SubSequenceNumber null), with <see cref="KplDecodeOutcome.Problem"/> set if it looked aggregated.
        /// </summary>
        public static KplDecodeOutcome Decode(string streamName, string shardId, WireRecord record, HashKeyRange? range,
            List<KinesisRecord> output)
        {
            if (record == null) throw new ArgumentNullException(nameof(record));
            if (output == null) throw new ArgumentNullException(nameof(output));

            DateTime? arrival = record.ApproximateArrivalTimestamp?.UtcDateTime;
            string problem = null;
            if (IsAggregated(record.Data))
            {
                int start = output.Count;
                var sink = new KinesisRecordSink(streamName, shardId, record.SequenceNumber, arrival, range, output);
                DeaggregationFailure failure = Read(record.Data, ref sink, out string reason);
                if (failure == DeaggregationFailure.None)
                {
                    return new KplDecodeOutcome(output.Count - start, sink.DroppedOutOfRange, null);
                }
                output.RemoveRange(start, output.Count - start);
                problem = "Record " + record.SequenceNumber + " of shard " + shardId
                    + " looks KPL-aggregated but was not de-aggregated (" + reason + "); it is passed on whole.";
            }

            output.Add(new KinesisRecord(streamName, shardId, record.SequenceNumber, null, record.PartitionKey, null,
                arrival, record.Data));
            return new KplDecodeOutcome(1, 0, problem);
        }

        /// <summary>A non-negative decimal integer, digits only (as Kinesis writes hash keys).</summary>
        internal static bool TryParseHashKey(string text, out BigInteger value)
        {
            value = BigInteger.Zero;
            if (string.IsNullOrEmpty(text)) return false;
            for (int i = 0; i < text.Length; i++)
            {
                if (text[i] < '0' || text[i] > '9') return false;
            }
            return BigInteger.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
        }

        private static MD5 Md5() => t_md5 ?? (t_md5 = MD5.Create());

        /// <summary>
        /// Checks the digest, reads the tables (first pass: protobuf allows fields in any order), then hands each
        /// user record to <paramref name="sink"/> (second pass). On failure the sink may already hold some records;
        /// the caller drops them.
        /// </summary>
        private static DeaggregationFailure Read<TSink>(byte[] data, ref TSink sink, out string reason)
            where TSink : struct, IUserRecordSink
        {
            int protoOffset = Magic.Length;
            int protoLength = data.Length - Magic.Length - DigestLength;

            byte[] digest = Md5().ComputeHash(data, protoOffset, protoLength);
            for (int i = 0; i < DigestLength; i++)
            {
                if (digest[i] != data[protoOffset + protoLength + i])
                {
                    reason = "its MD5 digest does not match its content";
                    return DeaggregationFailure.DigestMismatch;
                }
            }

            var partitionKeys = new List<string>();
            var explicitHashKeys = new List<string>();
            try
            {
                var input = new CodedInputStream(data, protoOffset, protoLength);
                uint tag;
                while ((tag = input.ReadTag()) != 0)
                {
                    switch (tag)
                    {
                        case PartitionKeyTableTag: partitionKeys.Add(ReadLenientString(input)); break;
                        case ExplicitHashKeyTableTag: explicitHashKeys.Add(ReadLenientString(input)); break;
                        default: input.SkipLastField(); break; // records (second pass) and unknown fields
                    }
                }

                for (int i = 0; i < explicitHashKeys.Count; i++)
                {
                    if (!TryParseHashKey(explicitHashKeys[i], out _))
                    {
                        reason = "explicit hash key table entry " + i + " ('" + explicitHashKeys[i] + "') is not a decimal number";
                        return DeaggregationFailure.InvalidExplicitHashKey;
                    }
                }

                input = new CodedInputStream(data, protoOffset, protoLength);
                var message = new RecordMessage();
                long subSequenceNumber = 0;
                while ((tag = input.ReadTag()) != 0)
                {
                    if (tag != RecordsTag)
                    {
                        input.SkipLastField();
                        continue;
                    }

                    message.Clear();
                    input.ReadMessage(message);
                    if (message.Missing != null)
                    {
                        reason = "user record " + subSequenceNumber + " lacks its " + message.Missing;
                        return DeaggregationFailure.MalformedProtobuf;
                    }
                    if (message.PartitionKeyIndex >= (ulong)partitionKeys.Count)
                    {
                        reason = "user record " + subSequenceNumber + " names partition key " + message.PartitionKeyIndex
                            + " of a table of " + partitionKeys.Count;
                        return DeaggregationFailure.PartitionKeyIndexOutOfRange;
                    }
                    string explicitHashKey = null;
                    if (message.HasExplicitHashKeyIndex)
                    {
                        if (message.ExplicitHashKeyIndex >= (ulong)explicitHashKeys.Count)
                        {
                            reason = "user record " + subSequenceNumber + " names explicit hash key "
                                + message.ExplicitHashKeyIndex + " of a table of " + explicitHashKeys.Count;
                            return DeaggregationFailure.ExplicitHashKeyIndexOutOfRange;
                        }
                        explicitHashKey = explicitHashKeys[(int)message.ExplicitHashKeyIndex];
                    }

                    sink.Add(new KplUserRecord(partitionKeys[(int)message.PartitionKeyIndex], explicitHashKey,
                        OwnedArray(message.Data), subSequenceNumber));
                    subSequenceNumber++;
                }
            }
            catch (InvalidProtocolBufferException ex)
            {
                reason = "its protobuf is malformed: " + ex.Message;
                return DeaggregationFailure.MalformedProtobuf;
            }

            reason = null;
            return DeaggregationFailure.None;
        }

        // proto2 strings are not UTF-8-checked by the KCL's (Java) parser: bad bytes become U+FFFD there, and here.
        // CodedInputStream.ReadString would reject them instead.
        private static string ReadLenientString(CodedInputStream input) => input.ReadBytes().ToString(Encoding.UTF8);

        // ReadBytes wraps a fresh array of exactly the field's length; the ByteString never leaves this class, so
        // the array can be taken over rather than copied.
        private static byte[] OwnedArray(ByteString bytes)
        {
            if (MemoryMarshal.TryGetArray(bytes.Memory, out ArraySegment<byte> segment)
                && segment.Offset == 0 && segment.Count == segment.Array.Length)
            {
                return segment.Array;
            }
            return bytes.ToByteArray();
        }

        private interface IUserRecordSink
        {
            void Add(in KplUserRecord userRecord);
        }

        private struct ListSink : IUserRecordSink
        {
            public ListSink(List<KplUserRecord> records) => Records = records;

            public List<KplUserRecord> Records { get; }

            public void Add(in KplUserRecord userRecord) => Records.Add(userRecord);
        }

        private struct KinesisRecordSink : IUserRecordSink
        {
            private readonly string _streamName;
            private readonly string _shardId;
            private readonly string _sequenceNumber;
            private readonly DateTime? _arrival;
            private readonly HashKeyRange? _range;
            private readonly List<KinesisRecord> _output;

            public KinesisRecordSink(string streamName, string shardId, string sequenceNumber, DateTime? arrival,
                HashKeyRange? range, List<KinesisRecord> output)
            {
                _streamName = streamName;
                _shardId = shardId;
                _sequenceNumber = sequenceNumber;
                _arrival = arrival;
                _range = range;
                _output = output;
                DroppedOutOfRange = 0;
            }

            public int DroppedOutOfRange { get; private set; }

            public void Add(in KplUserRecord userRecord)
            {
                // After a reshard a KPL with a stale shard map can put user records into an aggregate that landed
                // on a shard that does not own their hash keys; they belong to (and are read from) no shard here.
                if (_range.HasValue
                    && !_range.Value.Contains(EffectiveHashKey(userRecord.PartitionKey, userRecord.ExplicitHashKey)))
                {
                    DroppedOutOfRange++;
                    return;
                }
                _output.Add(new KinesisRecord(_streamName, _shardId, _sequenceNumber, userRecord.SubSequenceNumber,
                    userRecord.PartitionKey, userRecord.ExplicitHashKey, _arrival, userRecord.Data));
            }
        }

        /// <summary>
        /// The KPL's <c>Record</c> message, read by hand through <see cref="CodedInputStream.ReadMessage"/> (which
        /// applies the length limit and recursion depth). One instance is reused for all records of an aggregate.
        /// </summary>
        private sealed class RecordMessage : IMessage
        {
            private readonly TagMessage _tag = new TagMessage();
            private bool _hasPartitionKeyIndex;

            public ulong PartitionKeyIndex { get; private set; }
            public bool HasExplicitHashKeyIndex { get; private set; }
            public ulong ExplicitHashKeyIndex { get; private set; }
            public ByteString Data { get; private set; }
            /// <summary>The first required field found missing, or null.</summary>
            public string Missing { get; private set; }

            public void Clear()
            {
                _hasPartitionKeyIndex = false;
                PartitionKeyIndex = 0;
                HasExplicitHashKeyIndex = false;
                ExplicitHashKeyIndex = 0;
                Data = null;
                Missing = null;
            }

            public void MergeFrom(CodedInputStream input)
            {
                uint tag;
                while ((tag = input.ReadTag()) != 0)
                {
                    switch (tag)
                    {
                        case PartitionKeyIndexTag:
                            PartitionKeyIndex = input.ReadUInt64();
                            _hasPartitionKeyIndex = true;
                            break;
                        case ExplicitHashKeyIndexTag:
                            ExplicitHashKeyIndex = input.ReadUInt64();
                            HasExplicitHashKeyIndex = true;
                            break;
                        case DataTag:
                            Data = input.ReadBytes();
                            break;
                        case TagsTag:
                            _tag.Clear();
                            input.ReadMessage(_tag);
                            if (!_tag.HasKey && Missing == null) Missing = "tag's key";
                            break;
                        default:
                            input.SkipLastField();
                            break;
                    }
                }

                // Required in proto2: the KCL's parser rejects the aggregate without them.
                if (Missing == null && !_hasPartitionKeyIndex) Missing = "partition_key_index";
                if (Missing == null && Data == null) Missing = "data";
            }

            public void WriteTo(CodedOutputStream output) => throw new NotSupportedException();
            public int CalculateSize() => throw new NotSupportedException();
            public Google.Protobuf.Reflection.MessageDescriptor Descriptor => null;
        }

        /// <summary>The KPL's <c>Tag</c> message: only checked for its required key (tags are not surfaced).</summary>
        private sealed class TagMessage : IMessage
        {
            public bool HasKey { get; private set; }

            public void Clear() => HasKey = false;

            public void MergeFrom(CodedInputStream input)
            {
                uint tag;
                while ((tag = input.ReadTag()) != 0)
                {
                    if (tag == TagKeyTag) HasKey = true;
                    input.SkipLastField();
                }
            }

            public void WriteTo(CodedOutputStream output) => throw new NotSupportedException();
            public int CalculateSize() => throw new NotSupportedException();
            public Google.Protobuf.Reflection.MessageDescriptor Descriptor => null;
        }
    }
}
