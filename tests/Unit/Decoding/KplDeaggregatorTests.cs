using System.Globalization;
using System.Numerics;
using System.Text;
using KinesisXAcct.Decoding;
using KinesisXAcct.Kinesis;
using Xunit;

namespace KinesisXAcct.Tests.Unit.Decoding;

public class KplDeaggregatorTests
{
    private const string Stream = "orders";
    private const string Shard = "shardId-000000000007";
    private const string Sequence = "49590338271490256608559692538361571095921575989136588898";
    private static readonly DateTimeOffset Arrival = new(2024, 5, 6, 7, 8, 9, 123, TimeSpan.FromHours(2));

    public static TheoryData<string> FixtureCases()
    {
        var data = new TheoryData<string>();
        foreach (var c in KplFixtureFile.Instance.Cases) data.Add(c.Name);
        return data;
    }

    // ---- fixtures from aws-kinesis-agg ------------------------------------------------------------------------

    [Fact]
    public void The_fixture_file_holds_every_case_the_generator_was_asked_for()
    {
        var file = KplFixtureFile.Instance;

        Assert.StartsWith("aws-kinesis-agg ", file.Aggregator);
        Assert.Equal(
            new[] { "single-user-record", "distinct-partition-keys", "explicit-hash-keys", "empty-data", "one-thousand-user-records" },
            file.Cases.Select(c => c.Name));
        Assert.Equal(1000, file.Case("one-thousand-user-records").UserRecords.Count);
    }

    [Theory]
    [MemberData(nameof(FixtureCases))]
    public void Every_fixture_aggregate_deaggregates_to_exactly_the_user_records_that_were_aggregated(string caseName)
    {
        var fixture = KplFixtureFile.Instance.Case(caseName);

        Assert.True(KplDeaggregator.IsAggregated(fixture.Aggregate));
        var result = KplDeaggregator.Deaggregate(fixture.Aggregate);

        Assert.True(result.Succeeded, result.FailureReason);
        Assert.Equal(DeaggregationFailure.None, result.Failure);
        Assert.Null(result.FailureReason);
        Assert.Equal(fixture.UserRecords.Count, result.UserRecords.Count);
        for (int i = 0; i < fixture.UserRecords.Count; i++)
        {
            var expected = fixture.UserRecords[i];
            var actual = result.UserRecords[i];
            Assert.Equal(i, expected.SubSequenceNumber);
            Assert.Equal(i, actual.SubSequenceNumber);
            Assert.Equal(expected.PartitionKey, actual.PartitionKey);
            Assert.Equal(expected.ExplicitHashKey, actual.ExplicitHashKey);
            Assert.Equal(expected.Data, actual.Data);
        }
    }

    [Theory]
    [MemberData(nameof(FixtureCases))]
    public void Decoding_a_fixture_aggregate_yields_one_kinesis_record_per_user_record_under_the_wire_records_sequence_number(string caseName)
    {
        var fixture = KplFixtureFile.Instance.Case(caseName);
        var output = new List<KinesisRecord>();

        var outcome = KplDeaggregator.Decode(Stream, Shard, Wire(fixture.Aggregate, fixture.AggregatePartitionKey), null, output);

        Assert.Null(outcome.Problem);
        Assert.Equal(0, outcome.DroppedOutOfRange);
        Assert.Equal(fixture.UserRecords.Count, outcome.Emitted);
        Assert.Equal(fixture.UserRecords.Count, output.Count);
        for (int i = 0; i < output.Count; i++)
        {
            var expected = fixture.UserRecords[i];
            var record = output[i];
            Assert.Equal(Stream, record.StreamName);
            Assert.Equal(Shard, record.ShardId);
            Assert.Equal(Sequence, record.SequenceNumber);
            Assert.Equal(i, record.SubSequenceNumber);
            Assert.Equal(expected.PartitionKey, record.PartitionKey);
            Assert.Equal(expected.ExplicitHashKey, record.ExplicitHashKey);
            Assert.Equal(Arrival.UtcDateTime, record.ApproximateArrivalTimestamp);
            Assert.Equal(DateTimeKind.Utc, record.ApproximateArrivalTimestamp.Value.Kind);
            Assert.Equal(expected.Data, record.Data);
        }
    }

    [Fact]
    public void A_user_record_without_an_explicit_hash_key_index_has_none_even_when_the_table_has_entries()
    {
        // aws-kinesis-agg's own de-aggregator gets this wrong (it reports table entry 0); the encoder does not.
        var fixture = KplFixtureFile.Instance.Case("explicit-hash-keys");

        var result = KplDeaggregator.Deaggregate(fixture.Aggregate);

        Assert.Equal(new[] { "0", null, "340282366920938463463374607431768211455", "170141183460469231731687303715884105728", "0", null },
            result.UserRecords.Select(u => u.ExplicitHashKey));
    }

    // ---- effective hash key ------------------------------------------------------------------------------------

    public static TheoryData<string, string, string> KnownHashKeys()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var k in KplFixtureFile.Instance.HashKeys) data.Add(k.PartitionKey, k.ExplicitHashKey, k.EffectiveHashKey);
        return data;
    }

    [Theory]
    [MemberData(nameof(KnownHashKeys))]
    public void The_effective_hash_key_matches_the_value_nodes_crypto_computed(string partitionKey, string explicitHashKey, string expected)
    {
        var actual = KplDeaggregator.EffectiveHashKey(partitionKey, explicitHashKey);

        Assert.Equal(BigInteger.Parse(expected, CultureInfo.InvariantCulture), actual);
        Assert.Equal(Kpl.HashOf(partitionKey, explicitHashKey), actual);
    }

    [Theory]
    [InlineData("alpha", "58606826522850340945736240254012750329")]
    [InlineData("", "281949768489412648962353822266799178366")] // MD5("") = d41d8cd98f00b204e9800998ecf8427e
    public void The_effective_hash_key_of_a_partition_key_is_its_md5_read_as_an_unsigned_big_endian_number(string partitionKey, string expected)
    {
        Assert.Equal(BigInteger.Parse(expected, CultureInfo.InvariantCulture), KplDeaggregator.EffectiveHashKey(partitionKey, null));
        Assert.Equal(BigInteger.Parse("0d41d8cd98f00b204e9800998ecf8427e", NumberStyles.HexNumber, CultureInfo.InvariantCulture),
            KplDeaggregator.EffectiveHashKey("", null));
    }

    [Theory]
    [MemberData(nameof(FixtureCases))]
    public void The_effective_hash_key_of_every_fixture_user_record_matches_node_and_an_independent_md5(string caseName)
    {
        foreach (var u in KplFixtureFile.Instance.Case(caseName).UserRecords)
        {
            var actual = KplDeaggregator.EffectiveHashKey(u.PartitionKey, u.ExplicitHashKey);
            Assert.Equal(BigInteger.Parse(u.EffectiveHashKey, CultureInfo.InvariantCulture), actual);
            Assert.Equal(Kpl.HashOf(u.PartitionKey, u.ExplicitHashKey), actual);
        }
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("12a")]
    [InlineData(" 12")]
    [InlineData("")]
    public void An_explicit_hash_key_that_is_not_a_decimal_number_is_a_format_error(string explicitHashKey)
    {
        Assert.Throws<FormatException>(() => KplDeaggregator.EffectiveHashKey("pk", explicitHashKey));
    }

    // ---- hash key range ----------------------------------------------------------------------------------------

    public static TheoryData<string, string, string> CasesAndRanges()
    {
        string max = Kpl.MaxHashKey.ToString(CultureInfo.InvariantCulture);
        string half = (Kpl.MaxHashKey / 2).ToString(CultureInfo.InvariantCulture);
        string halfPlusOne = (Kpl.MaxHashKey / 2 + 1).ToString(CultureInfo.InvariantCulture);
        (string, string)[] ranges =
        [
            ("0", max),                    // the whole key space: nothing dropped
            ("0", half),                   // lower half
            (halfPlusOne, max),            // upper half
            (halfPlusOne, halfPlusOne),    // a single key: the explicit-hash-keys midpoint record only
            ("0", "0"),                    // the lowest key alone
            (max, max),                    // the highest key alone
            ("100000000000000000000000000000000000000", "200000000000000000000000000000000000000"),
            ("1", "2"),                    // almost certainly nothing
        ];
        var data = new TheoryData<string, string, string>();
        foreach (var c in KplFixtureFile.Instance.Cases)
        {
            foreach (var (start, end) in ranges) data.Add(c.Name, start, end);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(CasesAndRanges))]
    public void A_hash_key_range_keeps_exactly_the_user_records_whose_effective_hash_key_lies_inside_it(string caseName, string start, string end)
    {
        var fixture = KplFixtureFile.Instance.Case(caseName);
        var range = new HashKeyRange(BigInteger.Parse(start, CultureInfo.InvariantCulture), BigInteger.Parse(end, CultureInfo.InvariantCulture));
        var expectedKept = fixture.UserRecords
            .Where(u => Kpl.HashOf(u.PartitionKey, u.ExplicitHashKey) >= range.Start && Kpl.HashOf(u.PartitionKey, u.ExplicitHashKey) <= range.End)
            .ToList();
        var output = new List<KinesisRecord>();

        var outcome = KplDeaggregator.Decode(Stream, Shard, Wire(fixture.Aggregate, fixture.AggregatePartitionKey), range, output);

        Assert.Null(outcome.Problem);
        Assert.Equal(expectedKept.Count, outcome.Emitted);
        Assert.Equal(fixture.UserRecords.Count - expectedKept.Count, outcome.DroppedOutOfRange);
        // Kept records keep their place in the aggregate as sub-sequence number: no renumbering.
        Assert.Equal(expectedKept.Select(u => (long?)u.SubSequenceNumber), output.Select(r => r.SubSequenceNumber));
        Assert.Equal(expectedKept.Select(u => u.DataBase64), output.Select(r => Convert.ToBase64String(r.Data)));
    }

    [Fact]
    public void The_range_cases_do_drop_something_and_keep_something()
    {
        // Guards the theory above against ranges that happen to keep all or nothing everywhere.
        var thousand = KplFixtureFile.Instance.Case("one-thousand-user-records");
        var lowerHalf = new HashKeyRange(0, Kpl.MaxHashKey / 2);
        var output = new List<KinesisRecord>();

        var outcome = KplDeaggregator.Decode(Stream, Shard, Wire(thousand.Aggregate, "k0"), lowerHalf, output);

        Assert.InRange(outcome.Emitted, 300, 700);
        Assert.Equal(1000, outcome.Emitted + outcome.DroppedOutOfRange);
    }

    [Fact]
    public void A_plain_record_is_not_filtered_by_the_hash_key_range()
    {
        // Kinesis put it on this shard by its own partition key; only user records of an aggregate can stray.
        var output = new List<KinesisRecord>();

        var outcome = KplDeaggregator.Decode(Stream, Shard, Wire(Encoding.UTF8.GetBytes("plain"), "alpha"), new HashKeyRange(1, 2), output);

        Assert.Equal(1, outcome.Emitted);
        Assert.Equal(0, outcome.DroppedOutOfRange);
        Assert.Single(output);
    }

    [Theory]
    [InlineData("0", "340282366920938463463374607431768211455", true)]
    [InlineData("5", "5", true)]
    [InlineData(null, "10", false)]
    [InlineData("0", null, false)]
    [InlineData("0x10", "20", false)]
    [InlineData("-1", "20", false)]
    [InlineData("20", "10", false)]
    public void A_shards_hash_key_range_is_taken_from_its_decimal_bounds_or_not_at_all(string start, string end, bool usable)
    {
        var range = HashKeyRange.FromShard(new ShardDescription { ShardId = Shard, StartingHashKey = start, EndingHashKey = end });

        Assert.Equal(usable, range.HasValue);
        if (usable)
        {
            Assert.Equal(BigInteger.Parse(start, CultureInfo.InvariantCulture), range.Value.Start);
            Assert.Equal(BigInteger.Parse(end, CultureInfo.InvariantCulture), range.Value.End);
        }
    }

    // ---- not aggregated ----------------------------------------------------------------------------------------

    public static TheoryData<string, byte[]> NotAggregatedData() => new()
    {
        { "empty", [] },
        { "plain text", Encoding.UTF8.GetBytes("hello, kinesis: a plain record of some length") },
        { "first two magic bytes, then text", [0xF3, 0x89, .. Encoding.UTF8.GetBytes("this is not an aggregate at all")] },
        { "first three magic bytes, then text", [0xF3, 0x89, 0x9A, .. Encoding.UTF8.GetBytes("this is not an aggregate at all")] },
        { "magic with a wrong last byte", [0xF3, 0x89, 0x9A, 0xC3, .. Kpl.ProtobufOf(KplFixtureFile.Instance.Case("single-user-record").Aggregate), .. new byte[16]] },
        { "two magic bytes alone", [0xF3, 0x89] },
        { "the magic alone", Kpl.Magic },
        { "magic and 15 bytes", [.. Kpl.Magic, .. new byte[15]] },
        { "magic and 16 bytes: room for a digest but no protobuf", [.. Kpl.Magic, .. new byte[16]] },
        { "an empty aggregate (magic + MD5 of nothing), which the KCL also passes on", Kpl.Envelope([]) },
    };

    [Theory]
    [MemberData(nameof(NotAggregatedData))]
    public void Data_without_the_full_magic_or_too_short_for_magic_and_digest_is_not_aggregated_and_passes_through_silently(string shape, byte[] data)
    {
        Assert.False(KplDeaggregator.IsAggregated(data), shape);
        var result = KplDeaggregator.Deaggregate(data);
        Assert.Equal(DeaggregationFailure.NotAggregated, result.Failure);
        Assert.Empty(result.UserRecords);

        var output = new List<KinesisRecord>();
        var outcome = KplDeaggregator.Decode(Stream, Shard, Wire(data, "outer-key"), null, output);

        Assert.Null(outcome.Problem);
        AssertPassedThrough(output, data);
    }

    [Fact]
    public void Null_data_is_not_aggregated()
    {
        Assert.False(KplDeaggregator.IsAggregated(null));
        Assert.Equal(DeaggregationFailure.NotAggregated, KplDeaggregator.Deaggregate(null).Failure);
    }

    [Fact]
    public void Twenty_one_bytes_with_the_magic_are_the_shortest_data_treated_as_aggregated()
    {
        byte[] shortest = Kpl.Envelope([0x00]); // 4 + 1 + 16; the one protobuf byte is an invalid tag
        Assert.Equal(21, shortest.Length);
        Assert.True(KplDeaggregator.IsAggregated(shortest));
        Assert.Equal(DeaggregationFailure.MalformedProtobuf, KplDeaggregator.Deaggregate(shortest).Failure);
    }

    // ---- looks aggregated, fails validation: passed through whole with a reason ------------------------------

    public static TheoryData<string, byte[], string> BrokenAggregates()
    {
        byte[] good = KplFixtureFile.Instance.Case("distinct-partition-keys").Aggregate;
        byte[] proto = Kpl.ProtobufOf(good);

        byte[] badDigest = (byte[])good.Clone();
        badDigest[^1] ^= 0x01;
        byte[] flippedPayloadByte = (byte[])good.Clone();
        flippedPayloadByte[Kpl.Magic.Length + 3] ^= 0x40;
        byte[] cutTail = good[..^5]; // the digest is cut: what remains does not check out

        // The expected failure travels by name: the enum is internal to the module.
        return new TheoryData<string, byte[], string>
        {
            { "last digest byte flipped", badDigest, nameof(DeaggregationFailure.DigestMismatch) },
            { "a protobuf byte flipped", flippedPayloadByte, nameof(DeaggregationFailure.DigestMismatch) },
            { "record cut short", cutTail, nameof(DeaggregationFailure.DigestMismatch) },
            { "protobuf truncated mid-record (digest recomputed)", Kpl.Envelope(proto[..^3]), nameof(DeaggregationFailure.MalformedProtobuf) },
            { "protobuf truncated mid-table (digest recomputed)", Kpl.Envelope(proto[..4]), nameof(DeaggregationFailure.MalformedProtobuf) },
            { "a length running past the end", Kpl.Envelope([0x0A, 0x7F, 0x61]), nameof(DeaggregationFailure.MalformedProtobuf) },
            { "an unterminated varint", Kpl.Envelope([0x0A, 0x01, 0x61, 0x1A, 0x03, 0x08, 0xFF, 0xFF]), nameof(DeaggregationFailure.MalformedProtobuf) },
            { "a record without partition_key_index",
                new ProtoWriter().PartitionKey("a").Record(null, null, "x").ToAggregate(), nameof(DeaggregationFailure.MalformedProtobuf) },
            { "a record without data",
                new ProtoWriter().PartitionKey("a").Record(0, null, null).ToAggregate(), nameof(DeaggregationFailure.MalformedProtobuf) },
            { "a tag without its key",
                new ProtoWriter().PartitionKey("a").Record(0, null, "x", r => r.Message(4, t => t.String(2, "value"))).ToAggregate(),
                nameof(DeaggregationFailure.MalformedProtobuf) },
            { "a partition key index past the table",
                new ProtoWriter().PartitionKey("a").PartitionKey("b").Record(0, null, "x").Record(2, null, "y").ToAggregate(),
                nameof(DeaggregationFailure.PartitionKeyIndexOutOfRange) },
            { "a huge partition key index",
                new ProtoWriter().PartitionKey("a").Record(ulong.MaxValue, null, "x").ToAggregate(),
                nameof(DeaggregationFailure.PartitionKeyIndexOutOfRange) },
            { "a partition key index with no table at all",
                new ProtoWriter().Record(0, null, "x").ToAggregate(), nameof(DeaggregationFailure.PartitionKeyIndexOutOfRange) },
            { "an explicit hash key index past the table",
                new ProtoWriter().PartitionKey("a").ExplicitHashKey("5").Record(0, 0, "x").Record(0, 1, "y").ToAggregate(),
                nameof(DeaggregationFailure.ExplicitHashKeyIndexOutOfRange) },
            { "an explicit hash key that is not a number",
                new ProtoWriter().PartitionKey("a").ExplicitHashKey("five").Record(0, 0, "x").ToAggregate(),
                nameof(DeaggregationFailure.InvalidExplicitHashKey) },
        };
    }

    [Theory]
    [MemberData(nameof(BrokenAggregates))]
    public void An_aggregate_that_fails_validation_is_not_deaggregated_and_says_why(string shape, byte[] data, string expected)
    {
        Assert.True(KplDeaggregator.IsAggregated(data), shape);

        var result = KplDeaggregator.Deaggregate(data);

        Assert.False(result.Succeeded, shape);
        Assert.Equal(Enum.Parse<DeaggregationFailure>(expected), result.Failure);
        Assert.False(string.IsNullOrWhiteSpace(result.FailureReason), shape);
        Assert.Empty(result.UserRecords);
    }

    [Theory]
    [MemberData(nameof(BrokenAggregates))]
    public void An_aggregate_that_fails_validation_passes_through_whole_with_a_problem_to_warn_about(string shape, byte[] data, string expected)
    {
        var result = KplDeaggregator.Deaggregate(data);
        var earlier = new KinesisRecord(Stream, Shard, "1", null, "earlier", null, null, [1]);
        var output = new List<KinesisRecord> { earlier };

        var outcome = KplDeaggregator.Decode(Stream, Shard, Wire(data, "outer-key"), new HashKeyRange(0, Kpl.MaxHashKey), output);

        Assert.Equal(Enum.Parse<DeaggregationFailure>(expected), result.Failure);
        Assert.True(outcome.Problem != null, shape);
        Assert.Contains(Sequence, outcome.Problem);
        Assert.Contains(Shard, outcome.Problem);
        Assert.Contains(result.FailureReason, outcome.Problem);
        Assert.Equal(1, outcome.Emitted);
        Assert.Equal(0, outcome.DroppedOutOfRange);
        // User records read before the failure are taken back; what was already in the list stays.
        Assert.Same(earlier, output[0]);
        AssertPassedThrough(output.Skip(1).ToList(), data);
    }

    // ---- protobuf details --------------------------------------------------------------------------------------

    [Fact]
    public void Tables_may_follow_the_records_and_unknown_fields_are_skipped()
    {
        byte[] aggregate = new ProtoWriter()
            .Varint(15, 99)                                           // unknown varint field
            .Record(1, 0, "first", r => r.Varint(9, 7).String(10, "?")) // unknown fields inside a record
            .Record(0, null, "second", r => r.Message(4, t => t.String(1, "tag-key").String(2, "tag-value")))
            .PartitionKey("pk-0")
            .Bytes(12, [1, 2, 3])                                     // unknown length-delimited field
            .PartitionKey("pk-1")
            .ExplicitHashKey("42")
            .ToAggregate();

        var result = KplDeaggregator.Deaggregate(aggregate);

        Assert.True(result.Succeeded, result.FailureReason);
        Assert.Equal(2, result.UserRecords.Count);
        Assert.Equal(("pk-1", "42", "first", 0L), Flatten(result.UserRecords[0]));
        Assert.Equal(("pk-0", (string)null, "second", 1L), Flatten(result.UserRecords[1]));
    }

    [Fact]
    public void An_aggregate_with_tables_but_no_records_yields_no_user_records()
    {
        // The KCL does the same: the Kinesis record stands for nothing.
        byte[] aggregate = new ProtoWriter().PartitionKey("a").ToAggregate();
        var output = new List<KinesisRecord>();

        Assert.True(KplDeaggregator.Deaggregate(aggregate).Succeeded);
        var outcome = KplDeaggregator.Decode(Stream, Shard, Wire(aggregate, "a"), null, output);

        Assert.Equal(0, outcome.Emitted);
        Assert.Null(outcome.Problem);
        Assert.Empty(output);
    }

    [Fact]
    public void A_partition_key_that_is_not_valid_utf8_is_read_with_replacement_characters_as_the_kcl_does()
    {
        byte[] aggregate = new ProtoWriter().Bytes(1, [0x61, 0xC3, 0x28]).Record(0, null, "x").ToAggregate();

        var result = KplDeaggregator.Deaggregate(aggregate);

        Assert.True(result.Succeeded, result.FailureReason);
        Assert.Equal("a\uFFFD(", result.UserRecords[0].PartitionKey);
    }

    [Fact]
    public void Deaggregating_never_throws_for_any_truncation_or_single_byte_corruption_of_a_valid_aggregate()
    {
        byte[] good = KplFixtureFile.Instance.Case("explicit-hash-keys").Aggregate;
        byte[] proto = Kpl.ProtobufOf(good);

        for (int length = 0; length < proto.Length; length++)
        {
            var result = KplDeaggregator.Deaggregate(Kpl.Envelope(proto[..length]));
            Assert.True(result.Succeeded || result.FailureReason != null);
        }
        for (int i = 0; i < proto.Length; i++)
        {
            foreach (byte value in new byte[] { 0x00, 0x7F, 0x80, 0xFF })
            {
                byte[] changed = (byte[])proto.Clone();
                changed[i] = value;
                var output = new List<KinesisRecord>();
                var outcome = KplDeaggregator.Decode(Stream, Shard, Wire(Kpl.Envelope(changed), "k"), new HashKeyRange(0, Kpl.MaxHashKey), output);
                Assert.Equal(output.Count, outcome.Emitted);
            }
        }
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    private static WireRecord Wire(byte[] data, string partitionKey) => new()
    {
        SequenceNumber = Sequence,
        ApproximateArrivalTimestamp = Arrival,
        Data = data,
        PartitionKey = partitionKey,
    };

    private static void AssertPassedThrough(List<KinesisRecord> output, byte[] data)
    {
        var record = Assert.Single(output);
        Assert.Same(data, record.Data);
        Assert.Null(record.SubSequenceNumber);
        Assert.Equal("outer-key", record.PartitionKey);
        Assert.Null(record.ExplicitHashKey);
        Assert.Equal(Sequence, record.SequenceNumber);
        Assert.Equal(Stream, record.StreamName);
        Assert.Equal(Shard, record.ShardId);
        Assert.Equal(Arrival.UtcDateTime, record.ApproximateArrivalTimestamp);
    }

    private static (string, string, string, long) Flatten(KplUserRecord u) =>
        (u.PartitionKey, u.ExplicitHashKey, Encoding.UTF8.GetString(u.Data), u.SubSequenceNumber);
}
