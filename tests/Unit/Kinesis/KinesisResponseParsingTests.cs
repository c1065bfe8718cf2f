using System.Text;
using KinesisXAcct.Kinesis;
using Xunit;

namespace KinesisXAcct.Tests.Unit.Kinesis;

public class KinesisResponseParsingTests
{
    private static ReadOnlyMemory<byte> Utf8(string json) => Encoding.UTF8.GetBytes(json);

    private static readonly DateTimeOffset Nov14 = new DateTimeOffset(2023, 11, 14, 22, 13, 20, TimeSpan.Zero);

    [Fact]
    public void ListStreams_reads_stream_summaries_with_arn_status_mode_and_fractional_creation_time()
    {
        var r = KinesisJson.ReadListStreams(Utf8("""
            {"HasMoreStreams":true,"NextToken":"next-1",
             "StreamNames":["orders","ignored-when-summaries-present"],
             "StreamSummaries":[{"StreamName":"orders","StreamARN":"arn:aws:kinesis:us-east-1:111122223333:stream/orders",
                "StreamStatus":"ACTIVE","StreamModeDetails":{"StreamMode":"ON_DEMAND"},"StreamCreationTimestamp":1700000000.5}]}
            """));

        Assert.True(r.HasMoreStreams);
        Assert.Equal("next-1", r.NextToken);
        var s = Assert.Single(r.Streams);
        Assert.Equal("orders", s.StreamName);
        Assert.Equal("arn:aws:kinesis:us-east-1:111122223333:stream/orders", s.StreamArn);
        Assert.Equal("ACTIVE", s.StreamStatus);
        Assert.Equal("ON_DEMAND", s.StreamMode);
        Assert.Equal(Nov14.AddMilliseconds(500), s.CreatedAt);
    }

    [Fact]
    public void ListStreams_falls_back_to_StreamNames_when_no_summaries_are_sent()
    {
        var r = KinesisJson.ReadListStreams(Utf8("""{"StreamNames":["a","b"],"HasMoreStreams":false}"""));

        Assert.Equal(new[] { "a", "b" }, r.Streams.Select(s => s.StreamName));
        Assert.All(r.Streams, s => Assert.Null(s.StreamArn));
        Assert.False(r.HasMoreStreams);
        Assert.Null(r.NextToken);
    }

    [Fact]
    public void ListStreams_treats_explicit_nulls_as_absent()
    {
        var r = KinesisJson.ReadListStreams(Utf8("""{"StreamSummaries":null,"StreamNames":["a"],"HasMoreStreams":null,"NextToken":null}"""));

        Assert.Equal("a", Assert.Single(r.Streams).StreamName);
        Assert.False(r.HasMoreStreams);
        Assert.Null(r.NextToken);
    }

    [Fact]
    public void DescribeStreamSummary_reads_every_field_and_ignores_unknown_and_null_ones()
    {
        var s = KinesisJson.ReadDescribeStreamSummary(Utf8("""
            {"StreamDescriptionSummary":{"StreamName":"orders","StreamARN":"arn:aws:kinesis:eu-west-1:111122223333:stream/orders",
              "StreamStatus":"ACTIVE","StreamModeDetails":{"StreamMode":"PROVISIONED"},"RetentionPeriodHours":24,
              "StreamCreationTimestamp":1700000000.123,"EnhancedMonitoring":[{"ShardLevelMetrics":[]}],
              "EncryptionType":"KMS","KeyId":null,"OpenShardCount":4,"ConsumerCount":null}}
            """));

        Assert.Equal("orders", s.StreamName);
        Assert.Equal("arn:aws:kinesis:eu-west-1:111122223333:stream/orders", s.StreamArn);
        Assert.Equal("ACTIVE", s.StreamStatus);
        Assert.Equal("PROVISIONED", s.StreamMode);
        Assert.Equal(24, s.RetentionPeriodHours);
        Assert.Equal(4, s.OpenShardCount);
        Assert.Equal("KMS", s.EncryptionType);
        Assert.Equal(Nov14.AddMilliseconds(123), s.StreamCreationTimestamp);
    }

    [Fact]
    public void DescribeStreamSummary_with_nulls_leaves_the_fields_unset()
    {
        var s = KinesisJson.ReadDescribeStreamSummary(Utf8("""
            {"StreamDescriptionSummary":{"StreamName":"orders","StreamModeDetails":null,"OpenShardCount":null,"EncryptionType":null,"StreamCreationTimestamp":null}}
            """));

        Assert.Equal("orders", s.StreamName);
        Assert.Null(s.StreamMode);
        Assert.Null(s.OpenShardCount);
        Assert.Null(s.EncryptionType);
        Assert.Null(s.StreamCreationTimestamp);
    }

    [Fact]
    public void ListShards_reads_lineage_hash_ranges_and_sequence_ranges()
    {
        var r = KinesisJson.ReadListShards(Utf8("""
            {"Shards":[
              {"ShardId":"shardId-000000000000","ParentShardId":null,"AdjacentParentShardId":null,
               "HashKeyRange":{"StartingHashKey":"0","EndingHashKey":"170141183460469231731687303715884105727"},
               "SequenceNumberRange":{"StartingSequenceNumber":"4959","EndingSequenceNumber":"4960"}},
              {"ShardId":"shardId-000000000002","ParentShardId":"shardId-000000000000","AdjacentParentShardId":"shardId-000000000001",
               "HashKeyRange":{"StartingHashKey":"0","EndingHashKey":"340282366920938463463374607431768211455"},
               "SequenceNumberRange":{"StartingSequenceNumber":"4961","EndingSequenceNumber":null}}],
             "NextToken":"tok"}
            """));

        Assert.Equal("tok", r.NextToken);
        Assert.Equal(2, r.Shards.Count);
        var closed = r.Shards[0];
        Assert.Equal("shardId-000000000000", closed.ShardId);
        Assert.Null(closed.ParentShardId);
        Assert.Equal("0", closed.StartingHashKey);
        Assert.Equal("170141183460469231731687303715884105727", closed.EndingHashKey);
        Assert.Equal("4959", closed.StartingSequenceNumber);
        Assert.Equal("4960", closed.EndingSequenceNumber);
        var merged = r.Shards[1];
        Assert.Equal("shardId-000000000000", merged.ParentShardId);
        Assert.Equal("shardId-000000000001", merged.AdjacentParentShardId);
        Assert.Null(merged.EndingSequenceNumber);
    }

    [Fact]
    public void GetShardIterator_keeps_a_trailing_newline_verbatim()
    {
        // moto: base64.encodebytes, so a newline at the end (and every 76 characters).
        string it = KinesisJson.ReadGetShardIterator(Utf8("""{"ShardIterator":"b3JkZXJzOnNoYXJkSWQtMDAwMDAwMDAwMDAwOjA=\n"}"""));

        Assert.Equal("b3JkZXJzOnNoYXJkSWQtMDAwMDAwMDAwMDAwOjA=\n", it);
    }

    [Fact]
    public void GetRecords_decodes_base64_data_sequence_numbers_keys_and_fractional_arrival_times()
    {
        var r = KinesisJson.ReadGetRecords(Utf8("""
            {"Records":[
              {"SequenceNumber":"49590338271490256608559692538361571095921575989136588898","ApproximateArrivalTimestamp":1700000000.123,
               "Data":"aGVsbG8=","PartitionKey":"pk-1","EncryptionType":"KMS"},
              {"SequenceNumber":"2","ApproximateArrivalTimestamp":1700000001,"Data":"84mawgD\/","PartitionKey":"pk-2"},
              {"SequenceNumber":"3","ApproximateArrivalTimestamp":1.7000000025E9,"Data":"","PartitionKey":"pk-3","EncryptionType":null}],
             "NextShardIterator":"next-it","MillisBehindLatest":1234}
            """).Span);

        Assert.Equal(3, r.Records.Count);
        Assert.Equal("49590338271490256608559692538361571095921575989136588898", r.Records[0].SequenceNumber);
        Assert.Equal("hello", Encoding.UTF8.GetString(r.Records[0].Data));
        Assert.Equal("pk-1", r.Records[0].PartitionKey);
        Assert.Equal("KMS", r.Records[0].EncryptionType);
        Assert.Equal(Nov14.AddMilliseconds(123), r.Records[0].ApproximateArrivalTimestamp);
        Assert.Equal(new byte[] { 0xF3, 0x89, 0x9A, 0xC2, 0x00, 0xFF }, r.Records[1].Data); // escaped "\/" in base64
        Assert.Equal(Nov14.AddSeconds(1), r.Records[1].ApproximateArrivalTimestamp);
        Assert.Empty(r.Records[2].Data);
        Assert.Null(r.Records[2].EncryptionType);
        Assert.Equal(Nov14.AddMilliseconds(2500), r.Records[2].ApproximateArrivalTimestamp);
        Assert.Equal("next-it", r.NextShardIterator);
        Assert.Equal(1234L, r.MillisBehindLatest);
        Assert.Empty(r.ChildShards);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]   // two padding characters
    [InlineData(2)]   // one
    [InlineData(3)]   // none
    [InlineData(200)]
    [InlineData(1_048_576)] // Kinesis's largest record
    public void GetRecords_decodes_data_of_every_padding_and_size_byte_for_byte(int length)
    {
        var data = new byte[length];
        new Random(length).NextBytes(data);
        string json = "{\"Records\":[{\"SequenceNumber\":\"1\",\"Data\":\"" + Convert.ToBase64String(data) + "\",\"PartitionKey\":\"k\"}]}";

        var r = KinesisJson.ReadGetRecords(Utf8(json).Span);

        Assert.Equal(data, Assert.Single(r.Records).Data);
    }

    [Theory]
    [InlineData("abc")]      // not a multiple of 4
    [InlineData("ab=c")]     // padding inside
    [InlineData("a===")]     // too much padding
    [InlineData("ab!c")]     // not base64
    public void GetRecords_with_data_that_is_not_base64_fails_rather_than_returning_bytes(string text)
    {
        byte[] json = Utf8("{\"Records\":[{\"SequenceNumber\":\"1\",\"Data\":\"" + text + "\",\"PartitionKey\":\"k\"}]}").ToArray();

        Assert.Throws<FormatException>(() => KinesisJson.ReadGetRecords(json));
    }

    [Fact]
    public void GetRecords_at_the_end_of_a_closed_shard_has_no_iterator_and_lists_child_shards()
    {
        var r = KinesisJson.ReadGetRecords(Utf8("""
            {"Records":[],"NextShardIterator":null,"MillisBehindLatest":0,
             "ChildShards":[{"ShardId":"shardId-000000000002","ParentShards":["shardId-000000000000","shardId-000000000001"],
                             "HashKeyRange":{"StartingHashKey":"0","EndingHashKey":"340282366920938463463374607431768211455"}}]}
            """).Span);

        Assert.Empty(r.Records);
        Assert.Null(r.NextShardIterator);
        Assert.Equal(0L, r.MillisBehindLatest);
        var child = Assert.Single(r.ChildShards);
        Assert.Equal("shardId-000000000002", child.ShardId);
        Assert.Equal(new[] { "shardId-000000000000", "shardId-000000000001" }, child.ParentShards);
        Assert.Equal("0", child.StartingHashKey);
        Assert.Equal("340282366920938463463374607431768211455", child.EndingHashKey);
    }

    [Fact]
    public void GetRecords_reads_each_record_s_encryption_type()
    {
        var r = KinesisJson.ReadGetRecords(Utf8("""
            {"Records":[{"SequenceNumber":"1","Data":"AQ==","PartitionKey":"k","EncryptionType":"KMS"},
                        {"SequenceNumber":"2","Data":"Ag==","PartitionKey":"k","EncryptionType":"NONE"},
                        {"SequenceNumber":"3","Data":"Aw==","PartitionKey":"k","EncryptionType":"\u004BMS"},
                        {"SequenceNumber":"4","Data":"BA==","PartitionKey":"k","EncryptionType":"SOMETHING_NEW"},
                        {"SequenceNumber":"5","Data":"BQ==","PartitionKey":"k"}],
             "NextShardIterator":"it","MillisBehindLatest":0}
            """).Span);

        Assert.Equal(new[] { "KMS", "NONE", "KMS", "SOMETHING_NEW", null }, r.Records.Select(x => x.EncryptionType));
    }

    [Fact]
    public void GetRecords_tolerates_explicit_nulls_and_unknown_nested_fields()
    {
        var r = KinesisJson.ReadGetRecords(Utf8("""
            {"Unknown":{"a":[1,{"b":null}]},"Records":[{"Extra":[{"x":1}],"SequenceNumber":"1","Data":"AQID","PartitionKey":"k",
               "ApproximateArrivalTimestamp":null,"EncryptionType":null}],
             "NextShardIterator":"it\n","MillisBehindLatest":null,"ChildShards":null,"Trailing":true}
            """).Span);

        var rec = Assert.Single(r.Records);
        Assert.Equal(new byte[] { 1, 2, 3 }, rec.Data);
        Assert.Equal("1", rec.SequenceNumber);
        Assert.Null(rec.ApproximateArrivalTimestamp);
        Assert.Equal("it\n", r.NextShardIterator);
        Assert.Null(r.MillisBehindLatest);
        Assert.Empty(r.ChildShards);
    }

    [Fact]
    public void PutRecords_reports_partial_failures_in_request_order()
    {
        var r = KinesisJson.ReadPutRecords(Utf8("""
            {"FailedRecordCount":1,"EncryptionType":"NONE","Records":[
              {"SequenceNumber":"100","ShardId":"shardId-000000000000"},
              {"ErrorCode":"ProvisionedThroughputExceededException","ErrorMessage":"Rate exceeded for shard shardId-000000000001"},
              {"SequenceNumber":"101","ShardId":"shardId-000000000000","ErrorCode":null,"ErrorMessage":null}]}
            """));

        Assert.Equal(1, r.FailedRecordCount);
        Assert.Equal(3, r.Records.Count);
        Assert.Equal("100", r.Records[0].SequenceNumber);
        Assert.Null(r.Records[0].ErrorCode);
        Assert.Equal("ProvisionedThroughputExceededException", r.Records[1].ErrorCode);
        Assert.Equal("Rate exceeded for shard shardId-000000000001", r.Records[1].ErrorMessage);
        Assert.Null(r.Records[1].SequenceNumber);
        Assert.Equal("shardId-000000000000", r.Records[2].ShardId);
        Assert.Null(r.Records[2].ErrorCode);
    }

    [Fact]
    public async Task Through_the_client_a_moto_iterator_with_a_newline_is_sent_back_unchanged()
    {
        var transport = new FakeTransport()
            .Json("""{"Records":[{"SequenceNumber":"1","Data":"aGk=","PartitionKey":"k","ApproximateArrivalTimestamp":1700000000.0}],"NextShardIterator":"b3JkZXJz\nOjE=\n","MillisBehindLatest":0}""")
            .Json("""{"Records":[],"NextShardIterator":"b3JkZXJzOjI=\n","MillisBehindLatest":0}""");
        using var client = TestClients.Create(transport);

        var first = await client.GetRecordsAsync(new GetRecordsRequest { ShardIterator = "start" }, default);
        await client.GetRecordsAsync(new GetRecordsRequest { ShardIterator = first.NextShardIterator }, default);

        Assert.Equal("hi", Encoding.UTF8.GetString(Assert.Single(first.Records).Data));
        Assert.Equal("b3JkZXJz\nOjE=\n", transport.All[1].Json.GetProperty("ShardIterator").GetString());
    }

    [Fact]
    public async Task Through_the_client_an_unreadable_success_body_fails_without_retrying()
    {
        var transport = new FakeTransport().Json("<html>proxy page</html>");
        using var client = TestClients.Create(transport);

        var ex = await Assert.ThrowsAsync<KinesisServiceException>(() => client.GetShardIteratorAsync(
            new GetShardIteratorRequest { Stream = StreamIdentity.FromName("s"), ShardId = "shardId-000000000000" }, default));

        Assert.Equal(200, ex.StatusCode);
        Assert.Single(transport.Requests);
    }

    [Theory]
    [InlineData(1700000000.0, 0)]
    [InlineData(1700000000.001, 1)]
    [InlineData(1700000000.999, 999)]
    public void Epoch_seconds_with_fractions_convert_exactly_to_the_millisecond(double seconds, int millis)
    {
        Assert.Equal(Nov14.AddMilliseconds(millis), KinesisJson.FromEpochSeconds((decimal)seconds));
        Assert.Equal(Nov14.AddMilliseconds(millis), KinesisJson.FromEpochSeconds(seconds));
    }
}
