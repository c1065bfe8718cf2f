using System.Globalization;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace KinesisXAcct.Tests.Unit.Decoding;

/// <summary>Fixtures/kpl-aggregates.json, made by tests/Fixtures/make_kpl_fixtures.js with aws-kinesis-agg.</summary>
internal sealed class KplFixtureFile
{
    private static readonly Lazy<KplFixtureFile> Loaded = new(() =>
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Decoding", "Fixtures", "kpl-aggregates.json");
        return JsonSerializer.Deserialize<KplFixtureFile>(File.ReadAllText(path))
            ?? throw new InvalidOperationException("empty fixture file " + path);
    });

    public static KplFixtureFile Instance => Loaded.Value;

    [JsonPropertyName("aggregator")] public string Aggregator { get; set; }
    [JsonPropertyName("hashKeys")] public List<KplHashKeyFixture> HashKeys { get; set; }
    [JsonPropertyName("cases")] public List<KplAggregateFixture> Cases { get; set; }

    public KplAggregateFixture Case(string name) => Cases.Single(c => c.Name == name);
}

internal sealed class KplHashKeyFixture
{
    [JsonPropertyName("partitionKey")] public string PartitionKey { get; set; }
    [JsonPropertyName("explicitHashKey")] public string ExplicitHashKey { get; set; }
    [JsonPropertyName("effectiveHashKey")] public string EffectiveHashKey { get; set; }
}

internal sealed class KplAggregateFixture
{
    [JsonPropertyName("name")] public string Name { get; set; }
    [JsonPropertyName("aggregatePartitionKey")] public string AggregatePartitionKey { get; set; }
    [JsonPropertyName("aggregateBase64")] public string AggregateBase64 { get; set; }
    [JsonPropertyName("userRecords")] public List<KplUserRecordFixture> UserRecords { get; set; }

    public byte[] Aggregate => Convert.FromBase64String(AggregateBase64);
}

internal sealed class KplUserRecordFixture
{
    [JsonPropertyName("subSequenceNumber")] public long SubSequenceNumber { get; set; }
    [JsonPropertyName("partitionKey")] public string PartitionKey { get; set; }
    [JsonPropertyName("explicitHashKey")] public string ExplicitHashKey { get; set; }
    [JsonPropertyName("dataBase64")] public string DataBase64 { get; set; }
    [JsonPropertyName("effectiveHashKey")] public string EffectiveHashKey { get; set; }

    public byte[] Data => Convert.FromBase64String(DataBase64);
}

/// <summary>Test-side helpers that do not go through the code under test.</summary>
internal static class Kpl
{
    public static readonly byte[] Magic = [0xF3, 0x89, 0x9A, 0xC2];
    public static readonly BigInteger MaxHashKey = BigInteger.Pow(2, 128) - 1;

    /// <summary>Kinesis' hash of a partition key, computed here independently: MD5 as a 128-bit big-endian number.</summary>
    public static BigInteger HashOf(string partitionKey, string explicitHashKey)
    {
        if (explicitHashKey != null) return BigInteger.Parse(explicitHashKey, CultureInfo.InvariantCulture);
        string hex = Convert.ToHexString(MD5.HashData(Encoding.UTF8.GetBytes(partitionKey)));
        return BigInteger.Parse("0" + hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
    }

    /// <summary>Magic + protobuf + MD5(protobuf): a well-formed envelope around any protobuf bytes.</summary>
    public static byte[] Envelope(byte[] protobuf) => [.. Magic, .. protobuf, .. MD5.HashData(protobuf)];

    /// <summary>The protobuf part of an aggregated record.</summary>
    public static byte[] ProtobufOf(byte[] aggregate) => aggregate[Magic.Length..^16];
}

/// <summary>Writes protobuf fields by hand, to build aggregates the KPL would never make.</summary>
internal sealed class ProtoWriter
{
    private readonly List<byte> _bytes = new();

    public ProtoWriter Varint(int field, ulong value) => Key(field, 0).Raw(value);

    public ProtoWriter Bytes(int field, byte[] value)
    {
        Key(field, 2).Raw((ulong)value.Length);
        _bytes.AddRange(value);
        return this;
    }

    public ProtoWriter String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    public ProtoWriter Message(int field, Action<ProtoWriter> body)
    {
        var inner = new ProtoWriter();
        body(inner);
        return Bytes(field, inner.ToArray());
    }

    // AggregatedRecord / Record vocabulary.
    public ProtoWriter PartitionKey(string key) => String(1, key);
    public ProtoWriter ExplicitHashKey(string key) => String(2, key);

    public ProtoWriter Record(ulong? partitionKeyIndex, ulong? explicitHashKeyIndex, string data, Action<ProtoWriter> more = null) =>
        Message(3, r =>
        {
            if (partitionKeyIndex.HasValue) r.Varint(1, partitionKeyIndex.Value);
            if (explicitHashKeyIndex.HasValue) r.Varint(2, explicitHashKeyIndex.Value);
            if (data != null) r.String(3, data);
            more?.Invoke(r);
        });

    public byte[] ToArray() => _bytes.ToArray();

    public byte[] ToAggregate() => Kpl.Envelope(ToArray());

    private ProtoWriter Key(int field, int wireType) => Raw((ulong)((field << 3) | wireType));

    private ProtoWriter Raw(ulong value)
    {
        while (value >= 0x80)
        {
            _bytes.Add((byte)(value | 0x80));
            value >>= 7;
        }
        _bytes.Add((byte)value);
        return this;
    }
}
