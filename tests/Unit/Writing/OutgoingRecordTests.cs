using System.Text;
using KinesisXAcct.Errors;
using KinesisXAcct.Writing;
using Xunit;

namespace KinesisXAcct.Tests.Unit.Writing;

public class OutgoingRecordTests
{
    private const int MiB = 1024 * 1024;

    [Theory]
    [InlineData(MiB - 1, "k")]            // exactly 1 MiB with the key
    [InlineData(MiB - 2, "é")]            // the key counts in UTF-8 bytes (2 here)
    [InlineData(0, "k")]
    public void A_record_of_up_to_one_MiB_of_data_plus_partition_key_is_accepted(int dataBytes, string key)
    {
        var record = new OutgoingRecord(new byte[dataBytes], key);

        Assert.Equal(dataBytes + Encoding.UTF8.GetByteCount(key), record.Size);
    }

    [Theory]
    [InlineData(MiB, "k")]
    [InlineData(MiB - 1, "é")]            // 1 MiB + 1 byte only because the key is two bytes in UTF-8
    [InlineData(MiB - 9, "0123456789")]   // the key's bytes tip it over
    public void A_record_over_one_MiB_of_data_plus_partition_key_is_rejected_as_too_large(int dataBytes, string key)
    {
        var source = new object();

        var e = Assert.Throws<KinesisXAcctException>(() => new OutgoingRecord(new byte[dataBytes], key, source: source));

        Assert.Equal("RecordTooLarge", e.ErrorId);
        Assert.Equal(FailureKind.InvalidArgument, e.Kind);
        Assert.Same(source, e.Target);
        Assert.Contains("1 MiB", e.Message);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(257)]
    public void A_missing_empty_or_over_256_character_partition_key_is_rejected(object key)
    {
        string partitionKey = key is int length ? new string('k', length) : (string)key;

        var e = Assert.Throws<KinesisXAcctException>(() => new OutgoingRecord(new byte[1], partitionKey, source: "item 3"));

        Assert.Equal("InvalidPartitionKey", e.ErrorId);
        Assert.Equal(FailureKind.InvalidArgument, e.Kind);
        Assert.Equal("item 3", e.Target);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(256)]
    public void A_partition_key_of_1_to_256_characters_is_accepted(int length)
    {
        var record = new OutgoingRecord(new byte[1], new string('k', length));

        Assert.Equal(length, record.PartitionKey.Length);
    }

    [Fact]
    public void Null_data_is_written_as_an_empty_payload()
    {
        var record = new OutgoingRecord(null, "k", explicitHashKey: "123");

        Assert.Empty(record.Data);
        Assert.Equal(1, record.Size);
        Assert.Equal("123", record.ExplicitHashKey);
    }
}
