namespace KinesisXAcct.Tests.Unit.Fakes;

/// <summary>Appending records whose payload is arbitrary bytes (a KPL aggregate, for example).</summary>
internal static class FakeKinesisRawAppend
{
    /// <summary>
    /// Adds a record holding <paramref name="data"/> as it is, with the next sequence number and
    /// arrival time like <see cref="FakeKinesis.AppendKeyed"/>. Call it while no read runs.
    /// </summary>
    public static FakeRecord AppendBytes(this FakeKinesis fake, string shardId, byte[] data, string partitionKey = "pk-bytes", DateTimeOffset? arrivedAt = null)
    {
        FakeRecord placeholder = fake.AppendKeyed(shardId, string.Empty, partitionKey, arrivedAt);
        var record = new FakeRecord
        {
            ShardId = placeholder.ShardId,
            SequenceNumber = placeholder.SequenceNumber,
            PartitionKey = placeholder.PartitionKey,
            Data = data,
            ArrivedAt = placeholder.ArrivedAt,
        };
        List<FakeRecord> records = fake.Shard(shardId).Records;
        records[records.IndexOf(placeholder)] = record;
        return record;
    }
}
