using System;
using System.Globalization;
using System.IO;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace KinesisXAcct.Kinesis
{
    /// <summary>
    /// Hand-written JSON 1.1 marshalling for the Kinesis operations we use: requests with
    /// <see cref="Utf8JsonWriter"/>, GetRecords with <see cref="Utf8JsonReader"/> straight from the
    /// response bytes (the hot path), the other responses with <see cref="JsonDocument"/>.
    /// Readers tolerate unknown fields and explicit <c>null</c>s (kinesis-local sends them).
    /// String values are kept verbatim: moto's shard iterators end with a newline and must be sent
    /// back unchanged.
    /// </summary>
    internal static class KinesisJson
    {
        private static readonly JsonWriterOptions WriterOptions = new JsonWriterOptions
        {
            // Shard iterators and tokens are base64-like; the default encoder would turn '+' into \u002B.
            // Control characters (moto's trailing newline) are still escaped.
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            Indented = false,
        };

        private static readonly DateTimeOffset Epoch = new DateTimeOffset(1970, 1, 1, 0, 0, 0, TimeSpan.Zero);

        // ------------------------------------------------------------------ requests

        public static byte[] WriteListStreams(ListStreamsRequest request)
        {
            request = request ?? new ListStreamsRequest();
            return Write(w =>
            {
                if (request.Limit.HasValue) w.WriteNumber("Limit", request.Limit.Value);
                if (request.NextToken != null) w.WriteString("NextToken", request.NextToken);
            });
        }

        public static byte[] WriteDescribeStreamSummary(StreamIdentity stream)
        {
            RequireStream(stream, nameof(stream));
            return Write(w => WriteStream(w, stream));
        }

        /// <param name="request">The page to ask for.</param>
        /// <param name="streamWithNextToken">
        /// Also name the stream on a NextToken page. AWS and kinesis-local refuse that; only moto needs it
        /// (its paginator checksums the stream parameters into the token).
        /// </param>
        public static byte[] WriteListShards(ListShardsRequest request, bool streamWithNextToken = false)
        {
            if (request == null) throw new ArgumentNullException(nameof(request));
            if (request.NextToken == null || streamWithNextToken) RequireStream(request.Stream, nameof(request) + ".Stream");
            return Write(w =>
            {
                if (request.NextToken != null)
                {
                    w.WriteString("NextToken", request.NextToken); // the API refuses a stream together with NextToken
                    if (streamWithNextToken) WriteStream(w, request.Stream);
                }
                else
                {
                    WriteStream(w, request.Stream);
                }
                if (request.MaxResults.HasValue) w.WriteNumber("MaxResults", request.MaxResults.Value);
            });
        }

        public static byte[] WriteGetShardIterator(GetShardIteratorRequest request)
        {
            if (request == null) throw new ArgumentNullException(nameof(request));
            RequireStream(request.Stream, nameof(request) + ".Stream");
            if (string.IsNullOrEmpty(request.ShardId)) throw new ArgumentException("ShardId is required.", nameof(request));
            return Write(w =>
            {
                WriteStream(w, request.Stream);
                w.WriteString("ShardId", request.ShardId);
                w.WriteString("ShardIteratorType", IteratorTypeName(request.IteratorType));
                switch (request.IteratorType)
                {
                    case ShardIteratorType.AtSequenceNumber:
                    case ShardIteratorType.AfterSequenceNumber:
                        if (request.StartingSequenceNumber == null)
                            throw new ArgumentException($"{IteratorTypeName(request.IteratorType)} needs StartingSequenceNumber.", nameof(request));
                        w.WriteString("StartingSequenceNumber", request.StartingSequenceNumber);
                        break;
                    case ShardIteratorType.AtTimestamp:
                        if (!request.Timestamp.HasValue)
                            throw new ArgumentException("AT_TIMESTAMP needs Timestamp.", nameof(request));
                        w.WriteNumber("Timestamp", ToEpochSeconds(request.Timestamp.Value));
                        break;
                }
            });
        }

        public static byte[] WriteGetRecords(GetRecordsRequest request)
        {
            if (request == null) throw new ArgumentNullException(nameof(request));
            if (request.ShardIterator == null) throw new ArgumentException("ShardIterator is required.", nameof(request));
            return Write(w =>
            {
                w.WriteString("ShardIterator", request.ShardIterator);
                if (request.Limit.HasValue) w.WriteNumber("Limit", request.Limit.Value);
                if (request.StreamArn != null) w.WriteString("StreamARN", request.StreamArn);
            });
        }

        public static byte[] WritePutRecords(PutRecordsRequest request)
        {
            if (request == null) throw new ArgumentNullException(nameof(request));
            RequireStream(request.Stream, nameof(request) + ".Stream");
            return Write(w =>
            {
                w.WriteStartArray("Records");
                foreach (var entry in request.Records)
                {
                    w.WriteStartObject();
                    w.WriteBase64String("Data", entry.Data ?? Array.Empty<byte>());
                    w.WriteString("PartitionKey", entry.PartitionKey);
                    if (entry.ExplicitHashKey != null) w.WriteString("ExplicitHashKey", entry.ExplicitHashKey);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                WriteStream(w, request.Stream);
            });
        }

        public static string IteratorTypeName(ShardIteratorType type)
        {
            switch (type)
            {
                case ShardIteratorType.TrimHorizon: return "TRIM_HORIZON";
                case ShardIteratorType.Latest: return "LATEST";
                case ShardIteratorType.AtTimestamp: return "AT_TIMESTAMP";
                case ShardIteratorType.AtSequenceNumber: return "AT_SEQUENCE_NUMBER";
                case ShardIteratorType.AfterSequenceNumber: return "AFTER_SEQUENCE_NUMBER";
                default: throw new ArgumentOutOfRangeException(nameof(type), type, null);
            }
        }

        /// <summary>Epoch seconds, exact to the millisecond: <c>1700000000.123</c> (no exponent).</summary>
        public static decimal ToEpochSeconds(DateTimeOffset value) => value.ToUnixTimeMilliseconds() / 1000m;

        private static void WriteStream(Utf8JsonWriter w, StreamIdentity stream)
        {
            if (stream.Arn != null) w.WriteString("StreamARN", stream.Arn);
            else w.WriteString("StreamName", stream.Name);
        }

        private static void RequireStream(StreamIdentity stream, string paramName)
        {
            if (stream == null || (stream.Arn == null && string.IsNullOrEmpty(stream.Name)))
                throw new ArgumentException("A stream name or ARN is required.", paramName);
        }

        private static byte[] Write(Action<Utf8JsonWriter> body)
        {
            using (var buffer = new MemoryStream(256))
            {
                using (var w = new Utf8JsonWriter(buffer, WriterOptions))
                {
                    w.WriteStartObject();
                    body(w);
                    w.WriteEndObject();
                }
                return buffer.ToArray();
            }
        }

        // ------------------------------------------------------------------ GetRecords (hot path)

        [System.Runtime.CompilerServices.MethodImpl(Hot.Path)]
        public static GetRecordsResponse ReadGetRecords(ReadOnlySpan<byte> json)
        {
            var response = new GetRecordsResponse();
            var r = new Utf8JsonReader(json, isFinalBlock: true, state: default);
            ReadStartObject(ref r);
            while (NextProperty(ref r))
            {
                if (r.ValueTextEquals("Records"u8))
                {
                    r.Read();
                    if (r.TokenType == JsonTokenType.StartArray)
                    {
                        while (r.Read() && r.TokenType != JsonTokenType.EndArray)
                        {
                            if (r.TokenType == JsonTokenType.StartObject) response.Records.Add(ReadRecord(ref r));
                            else r.Skip();
                        }
                    }
                    else r.Skip();
                }
                else if (r.ValueTextEquals("NextShardIterator"u8))
                {
                    r.Read();
                    response.NextShardIterator = ReadString(ref r);
                }
                else if (r.ValueTextEquals("MillisBehindLatest"u8))
                {
                    r.Read();
                    response.MillisBehindLatest = ReadInt64(ref r);
                }
                else if (r.ValueTextEquals("ChildShards"u8))
                {
                    r.Read();
                    if (r.TokenType == JsonTokenType.StartArray)
                    {
                        while (r.Read() && r.TokenType != JsonTokenType.EndArray)
                        {
                            if (r.TokenType == JsonTokenType.StartObject) response.ChildShards.Add(ReadChildShard(ref r));
                            else r.Skip();
                        }
                    }
                    else r.Skip();
                }
                else
                {
                    r.Read();
                    r.Skip();
                }
            }
            return response;
        }

        [System.Runtime.CompilerServices.MethodImpl(Hot.Path)]
        private static WireRecord ReadRecord(ref Utf8JsonReader r)
        {
            var record = new WireRecord();
            while (NextProperty(ref r))
            {
                if (r.ValueTextEquals("Data"u8))
                {
                    r.Read();
                    record.Data = r.TokenType == JsonTokenType.String ? ReadBase64(ref r) : null;
                    if (r.TokenType != JsonTokenType.String) r.Skip();
                }
                else if (r.ValueTextEquals("SequenceNumber"u8))
                {
                    r.Read();
                    record.SequenceNumber = ReadString(ref r);
                }
                else if (r.ValueTextEquals("PartitionKey"u8))
                {
                    r.Read();
                    record.PartitionKey = ReadString(ref r);
                }
                else if (r.ValueTextEquals("ApproximateArrivalTimestamp"u8))
                {
                    r.Read();
                    record.ApproximateArrivalTimestamp = ReadTimestamp(ref r);
                }
                else if (r.ValueTextEquals("EncryptionType"u8))
                {
                    r.Read();
                    record.EncryptionType = ReadEncryptionType(ref r);
                }
                else
                {
                    r.Read();
                    r.Skip();
                }
            }
            return record;
        }

        /// <summary>Sent on every record of an encrypted stream: the two known values are shared strings, not one per record.</summary>
        private static string ReadEncryptionType(ref Utf8JsonReader r)
        {
            if (r.TokenType == JsonTokenType.String)
            {
                if (r.ValueTextEquals("KMS"u8)) return EncryptionKms;
                if (r.ValueTextEquals("NONE"u8)) return EncryptionNone;
            }

            return ReadString(ref r);
        }

        private const string EncryptionKms = "KMS";
        private const string EncryptionNone = "NONE";

        /// <summary>
        /// A base64 string decoded straight into an array of its exact size. GetBytesFromBase64 decodes
        /// into an array sized for the worst case and copies the result into a second one: two
        /// allocations and a copy per record on the read path. Escaped or malformed text takes that path
        /// anyway, for its error.
        /// </summary>
        [System.Runtime.CompilerServices.MethodImpl(Hot.Path)]
        internal static byte[] ReadBase64(ref Utf8JsonReader r)
        {
            ReadOnlySpan<byte> text = r.ValueSpan;
            if (!r.HasValueSequence && !r.ValueIsEscaped && text.Length % 4 == 0)
            {
                int padding = text.Length == 0 ? 0 : text[text.Length - 1] != (byte)'=' ? 0 : text[text.Length - 2] != (byte)'=' ? 1 : 2;
                var data = new byte[text.Length / 4 * 3 - padding];
                if (System.Buffers.Text.Base64.DecodeFromUtf8(text, data, out int consumed, out int written) == System.Buffers.OperationStatus.Done
                    && consumed == text.Length && written == data.Length)
                {
                    return data;
                }
            }

            return r.GetBytesFromBase64();
        }

        private static ChildShard ReadChildShard(ref Utf8JsonReader r)
        {
            var child = new ChildShard();
            while (NextProperty(ref r))
            {
                if (r.ValueTextEquals("ShardId"u8))
                {
                    r.Read();
                    child.ShardId = ReadString(ref r);
                }
                else if (r.ValueTextEquals("ParentShards"u8))
                {
                    r.Read();
                    if (r.TokenType == JsonTokenType.StartArray)
                    {
                        while (r.Read() && r.TokenType != JsonTokenType.EndArray)
                        {
                            string parent = ReadString(ref r);
                            if (parent != null) child.ParentShards.Add(parent);
                        }
                    }
                    else r.Skip();
                }
                else if (r.ValueTextEquals("HashKeyRange"u8))
                {
                    r.Read();
                    if (r.TokenType == JsonTokenType.StartObject)
                    {
                        while (NextProperty(ref r))
                        {
                            if (r.ValueTextEquals("StartingHashKey"u8)) { r.Read(); child.StartingHashKey = ReadString(ref r); }
                            else if (r.ValueTextEquals("EndingHashKey"u8)) { r.Read(); child.EndingHashKey = ReadString(ref r); }
                            else { r.Read(); r.Skip(); }
                        }
                    }
                    else r.Skip();
                }
                else
                {
                    r.Read();
                    r.Skip();
                }
            }
            return child;
        }

        private static void ReadStartObject(ref Utf8JsonReader r)
        {
            if (!r.Read() || r.TokenType != JsonTokenType.StartObject)
                throw new JsonException("The response is not a JSON object.");
        }

        /// <summary>Advances to the next property name of the current object; false at its end.</summary>
        private static bool NextProperty(ref Utf8JsonReader r)
        {
            if (!r.Read()) throw new JsonException("The response ended inside an object.");
            if (r.TokenType == JsonTokenType.EndObject) return false;
            if (r.TokenType != JsonTokenType.PropertyName) throw new JsonException($"Unexpected {r.TokenType} in an object.");
            return true;
        }

        /// <summary>The current value as a string: <c>null</c> for JSON null, numbers as their text; skips containers.</summary>
        private static string ReadString(ref Utf8JsonReader r)
        {
            switch (r.TokenType)
            {
                case JsonTokenType.String:
                    return r.GetString();
                case JsonTokenType.Number:
                    return System.Text.Encoding.UTF8.GetString(r.ValueSpan.ToArray()); // span-based reader: never a sequence
                case JsonTokenType.StartArray:
                case JsonTokenType.StartObject:
                    r.Skip();
                    return null;
                default:
                    return null;
            }
        }

        private static long? ReadInt64(ref Utf8JsonReader r)
        {
            switch (r.TokenType)
            {
                case JsonTokenType.Number:
                    if (r.TryGetInt64(out long l)) return l;
                    return (long)r.GetDouble();
                case JsonTokenType.String:
                    return long.TryParse(r.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out long s) ? s : (long?)null;
                case JsonTokenType.StartArray:
                case JsonTokenType.StartObject:
                    r.Skip();
                    return null;
                default:
                    return null;
            }
        }

        private static DateTimeOffset? ReadTimestamp(ref Utf8JsonReader r)
        {
            switch (r.TokenType)
            {
                case JsonTokenType.Number:
                    if (r.TryGetDecimal(out decimal d)) return FromEpochSeconds(d);
                    return FromEpochSeconds(r.GetDouble());
                case JsonTokenType.String:
                    return ParseTimestampText(r.GetString());
                case JsonTokenType.StartArray:
                case JsonTokenType.StartObject:
                    r.Skip();
                    return null;
                default:
                    return null;
            }
        }

        // ------------------------------------------------------------------ other responses

        public static ListStreamsResponse ReadListStreams(ReadOnlyMemory<byte> json)
        {
            var response = new ListStreamsResponse();
            using (var doc = JsonDocument.Parse(json))
            {
                var root = RootObject(doc);
                response.HasMoreStreams = Bool(root, "HasMoreStreams") ?? false;
                response.NextToken = Str(root, "NextToken");
                if (Prop(root, "StreamSummaries", JsonValueKind.Array, out var summaries))
                {
                    foreach (var s in summaries.EnumerateArray())
                    {
                        if (s.ValueKind != JsonValueKind.Object) continue;
                        response.Streams.Add(new StreamSummaryEntry
                        {
                            StreamName = Str(s, "StreamName"),
                            StreamArn = Str(s, "StreamARN"),
                            StreamStatus = Str(s, "StreamStatus"),
                            StreamMode = StreamMode(s),
                            CreatedAt = Timestamp(s, "StreamCreationTimestamp"),
                        });
                    }
                }
                else if (Prop(root, "StreamNames", JsonValueKind.Array, out var names))
                {
                    foreach (var n in names.EnumerateArray())
                    {
                        if (n.ValueKind == JsonValueKind.String) response.Streams.Add(new StreamSummaryEntry { StreamName = n.GetString() });
                    }
                }
            }
            return response;
        }

        public static StreamSummary ReadDescribeStreamSummary(ReadOnlyMemory<byte> json)
        {
            using (var doc = JsonDocument.Parse(json))
            {
                var root = RootObject(doc);
                if (!Prop(root, "StreamDescriptionSummary", JsonValueKind.Object, out var s))
                    throw new JsonException("The response has no StreamDescriptionSummary.");
                return new StreamSummary
                {
                    StreamName = Str(s, "StreamName"),
                    StreamArn = Str(s, "StreamARN"),
                    StreamStatus = Str(s, "StreamStatus"),
                    StreamMode = StreamMode(s),
                    OpenShardCount = Int(s, "OpenShardCount"),
                    RetentionPeriodHours = Int(s, "RetentionPeriodHours"),
                    EncryptionType = Str(s, "EncryptionType"),
                    StreamCreationTimestamp = Timestamp(s, "StreamCreationTimestamp"),
                };
            }
        }

        public static ListShardsResponse ReadListShards(ReadOnlyMemory<byte> json)
        {
            var response = new ListShardsResponse();
            using (var doc = JsonDocument.Parse(json))
            {
                var root = RootObject(doc);
                response.NextToken = Str(root, "NextToken");
                if (Prop(root, "Shards", JsonValueKind.Array, out var shards))
                {
                    foreach (var s in shards.EnumerateArray())
                    {
                        if (s.ValueKind != JsonValueKind.Object) continue;
                        var shard = new ShardDescription
                        {
                            ShardId = Str(s, "ShardId"),
                            ParentShardId = Str(s, "ParentShardId"),
                            AdjacentParentShardId = Str(s, "AdjacentParentShardId"),
                        };
                        if (Prop(s, "HashKeyRange", JsonValueKind.Object, out var hash))
                        {
                            shard.StartingHashKey = Str(hash, "StartingHashKey");
                            shard.EndingHashKey = Str(hash, "EndingHashKey");
                        }
                        if (Prop(s, "SequenceNumberRange", JsonValueKind.Object, out var seq))
                        {
                            shard.StartingSequenceNumber = Str(seq, "StartingSequenceNumber");
                            shard.EndingSequenceNumber = Str(seq, "EndingSequenceNumber");
                        }
                        response.Shards.Add(shard);
                    }
                }
            }
            return response;
        }

        public static string ReadGetShardIterator(ReadOnlyMemory<byte> json)
        {
            using (var doc = JsonDocument.Parse(json))
            {
                return Str(RootObject(doc), "ShardIterator")
                    ?? throw new JsonException("The response has no ShardIterator.");
            }
        }

        public static PutRecordsResponse ReadPutRecords(ReadOnlyMemory<byte> json)
        {
            var response = new PutRecordsResponse();
            using (var doc = JsonDocument.Parse(json))
            {
                var root = RootObject(doc);
                response.FailedRecordCount = Int(root, "FailedRecordCount") ?? 0;
                if (Prop(root, "Records", JsonValueKind.Array, out var records))
                {
                    foreach (var e in records.EnumerateArray())
                    {
                        if (e.ValueKind != JsonValueKind.Object)
                        {
                            response.Records.Add(new PutRecordsResultEntry());
                            continue;
                        }
                        response.Records.Add(new PutRecordsResultEntry
                        {
                            SequenceNumber = Str(e, "SequenceNumber"),
                            ShardId = Str(e, "ShardId"),
                            ErrorCode = Str(e, "ErrorCode"),
                            ErrorMessage = Str(e, "ErrorMessage"),
                        });
                    }
                }
            }
            return response;
        }

        private static JsonElement RootObject(JsonDocument doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new JsonException("The response is not a JSON object.");
            return doc.RootElement;
        }

        private static bool Prop(JsonElement obj, string name, JsonValueKind kind, out JsonElement value)
        {
            return obj.TryGetProperty(name, out value) && value.ValueKind == kind;
        }

        private static string Str(JsonElement obj, string name)
        {
            if (!obj.TryGetProperty(name, out var v)) return null;
            switch (v.ValueKind)
            {
                case JsonValueKind.String: return v.GetString();
                case JsonValueKind.Number: return v.GetRawText();
                default: return null;
            }
        }

        private static int? Int(JsonElement obj, string name)
        {
            if (!obj.TryGetProperty(name, out var v)) return null;
            if (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i)) return i;
            if (v.ValueKind == JsonValueKind.String && int.TryParse(v.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int s)) return s;
            return null;
        }

        private static bool? Bool(JsonElement obj, string name)
        {
            if (!obj.TryGetProperty(name, out var v)) return null;
            if (v.ValueKind == JsonValueKind.True) return true;
            if (v.ValueKind == JsonValueKind.False) return false;
            return null;
        }

        private static string StreamMode(JsonElement obj)
        {
            return Prop(obj, "StreamModeDetails", JsonValueKind.Object, out var details) ? Str(details, "StreamMode") : null;
        }

        private static DateTimeOffset? Timestamp(JsonElement obj, string name)
        {
            if (!obj.TryGetProperty(name, out var v)) return null;
            switch (v.ValueKind)
            {
                case JsonValueKind.Number:
                    if (v.TryGetDecimal(out decimal d)) return FromEpochSeconds(d);
                    return FromEpochSeconds(v.GetDouble());
                case JsonValueKind.String:
                    return ParseTimestampText(v.GetString());
                default:
                    return null;
            }
        }

        // ------------------------------------------------------------------ timestamps

        public static DateTimeOffset FromEpochSeconds(decimal seconds) =>
            Epoch.AddTicks((long)decimal.Round(seconds * TimeSpan.TicksPerSecond, MidpointRounding.AwayFromZero));

        public static DateTimeOffset FromEpochSeconds(double seconds) =>
            DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(seconds * 1000d, MidpointRounding.AwayFromZero));

        /// <summary>Epoch seconds in a string, or an ISO 8601 date (not sent by Kinesis, tolerated anyway).</summary>
        private static DateTimeOffset? ParseTimestampText(string text)
        {
            if (string.IsNullOrEmpty(text)) return null;
            if (decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out decimal d)) return FromEpochSeconds(d);
            if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var dto)) return dto;
            return null;
        }
    }
}
