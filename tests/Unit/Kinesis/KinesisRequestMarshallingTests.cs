using System.Net.Http;
using System.Text.Json;
using KinesisXAcct.Kinesis;
using Xunit;

namespace KinesisXAcct.Tests.Unit.Kinesis;

public class KinesisRequestMarshallingTests
{
    private const string StreamArn = "arn:aws:kinesis:us-east-1:111122223333:stream/orders";

    private static async Task<RecordedRequest> Capture(string response, Func<KinesisHttpClient, Task> call)
    {
        var transport = new FakeTransport().Json(response);
        using (var client = TestClients.Create(transport))
        {
            await call(client);
        }
        return transport.Single;
    }

    private static Task<RecordedRequest> CaptureIterator(GetShardIteratorRequest request) =>
        Capture("{\"ShardIterator\":\"it-1\"}", c => c.GetShardIteratorAsync(request, CancellationToken.None));

    [Theory]
    [InlineData("ListStreams")]
    [InlineData("DescribeStreamSummary")]
    [InlineData("ListShards")]
    [InlineData("GetShardIterator")]
    [InlineData("GetRecords")]
    [InlineData("PutRecords")]
    public async Task Every_operation_posts_to_the_root_with_its_target_header_and_the_exact_json_1_1_content_type(string operation)
    {
        var stream = StreamIdentity.FromName("orders");
        var (response, call) = operation switch
        {
            "ListStreams" => ("{\"StreamNames\":[]}", (Func<KinesisHttpClient, Task>)(c => c.ListStreamsAsync(new ListStreamsRequest(), default))),
            "DescribeStreamSummary" => ("{\"StreamDescriptionSummary\":{\"StreamName\":\"orders\"}}", c => c.DescribeStreamSummaryAsync(stream, default)),
            "ListShards" => ("{\"Shards\":[]}", c => c.ListShardsAsync(new ListShardsRequest { Stream = stream }, default)),
            "GetShardIterator" => ("{\"ShardIterator\":\"x\"}", c => c.GetShardIteratorAsync(new GetShardIteratorRequest { Stream = stream, ShardId = "shardId-000000000000" }, default)),
            "GetRecords" => ("{\"Records\":[],\"NextShardIterator\":\"y\"}", c => c.GetRecordsAsync(new GetRecordsRequest { ShardIterator = "x" }, default)),
            "PutRecords" => ("{\"FailedRecordCount\":0,\"Records\":[]}", c => c.PutRecordsAsync(new PutRecordsRequest { Stream = stream }, default)),
            _ => throw new ArgumentOutOfRangeException(nameof(operation)),
        };

        var request = await Capture(response, call);

        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal("/", request.Uri.AbsolutePath);
        Assert.Equal("Kinesis_20131202." + operation, request.Header("X-Amz-Target"));
        Assert.Equal("application/x-amz-json-1.1", request.ContentType);
        Assert.Equal(JsonValueKind.Object, request.Json.ValueKind);
    }

    [Fact]
    public async Task Requests_carry_a_sigv4_authorization_header_for_kinesis_in_the_configured_region()
    {
        var request = await Capture("{\"StreamNames\":[]}", c => c.ListStreamsAsync(new ListStreamsRequest(), default));

        string auth = request.Header("Authorization");
        Assert.NotNull(auth);
        Assert.StartsWith("AWS4-HMAC-SHA256 Credential=" + TestClients.AccessKey + "/", auth);
        Assert.Contains("/us-east-1/kinesis/aws4_request", auth);
        Assert.Contains("x-amz-target", auth); // the target header is part of the signature
        Assert.Matches("Signature=[0-9a-f]{64}", auth);
        Assert.NotNull(request.Header("X-Amz-Date"));
        Assert.DoesNotContain(TestClients.SecretKey, auth);
    }

    [Fact]
    public async Task ListStreams_sends_limit_and_next_token_only_when_set()
    {
        var empty = await Capture("{\"StreamNames\":[]}", c => c.ListStreamsAsync(new ListStreamsRequest(), default));
        Assert.Empty(empty.JsonPropertyNames);

        var paged = await Capture("{\"StreamNames\":[]}", c => c.ListStreamsAsync(new ListStreamsRequest { Limit = 50, NextToken = "tok+/=" }, default));
        Assert.Equal(new[] { "Limit", "NextToken" }, paged.JsonPropertyNames);
        Assert.Equal(50, paged.Json.GetProperty("Limit").GetInt32());
        Assert.Equal("tok+/=", paged.Json.GetProperty("NextToken").GetString());
    }

    [Fact]
    public async Task A_stream_named_by_arn_is_sent_as_StreamARN_without_StreamName()
    {
        var request = await Capture("{\"StreamDescriptionSummary\":{}}", c => c.DescribeStreamSummaryAsync(StreamIdentity.FromArn(StreamArn), default));

        Assert.Equal(new[] { "StreamARN" }, request.JsonPropertyNames);
        Assert.Equal(StreamArn, request.Json.GetProperty("StreamARN").GetString());
    }

    [Fact]
    public async Task A_stream_named_by_name_is_sent_as_StreamName()
    {
        var request = await Capture("{\"StreamDescriptionSummary\":{}}", c => c.DescribeStreamSummaryAsync(StreamIdentity.FromName("orders"), default));

        Assert.Equal(new[] { "StreamName" }, request.JsonPropertyNames);
        Assert.Equal("orders", request.Json.GetProperty("StreamName").GetString());
    }

    [Fact]
    public async Task ListShards_first_page_names_the_stream_and_max_results()
    {
        var request = await Capture("{\"Shards\":[]}", c => c.ListShardsAsync(new ListShardsRequest { Stream = StreamIdentity.FromArn(StreamArn), MaxResults = 1000 }, default));

        Assert.Equal(new[] { "MaxResults", "StreamARN" }, request.JsonPropertyNames);
        Assert.Equal(1000, request.Json.GetProperty("MaxResults").GetInt32());
    }

    [Fact]
    public async Task ListShards_with_a_next_token_does_not_send_the_stream()
    {
        var request = await Capture("{\"Shards\":[]}", c => c.ListShardsAsync(
            new ListShardsRequest { Stream = StreamIdentity.FromName("orders"), NextToken = "page-2" }, default));

        Assert.Equal(new[] { "NextToken" }, request.JsonPropertyNames);
        Assert.Equal("page-2", request.Json.GetProperty("NextToken").GetString());
    }

    [Fact]
    public async Task ListShards_resends_a_page_with_the_stream_only_when_moto_rejects_the_token_alone()
    {
        var transport = new FakeTransport()
            .Error(System.Net.HttpStatusCode.BadRequest, "{\"__type\":\"InvalidToken\",\"message\":\"Invalid Token: Input inconsistent with page token\"}")
            .Json("{\"Shards\":[{\"ShardId\":\"shardId-000000000001\"}]}");
        using var client = TestClients.Create(transport);

        var page = await client.ListShardsAsync(new ListShardsRequest { Stream = StreamIdentity.FromName("orders"), NextToken = "page-2", MaxResults = 1 }, default);

        Assert.Equal("shardId-000000000001", Assert.Single(page.Shards).ShardId);
        var attempts = transport.All;
        Assert.Equal(2, attempts.Length);
        Assert.Equal(new[] { "MaxResults", "NextToken" }, attempts[0].JsonPropertyNames);
        Assert.Equal(new[] { "MaxResults", "NextToken", "StreamName" }, attempts[1].JsonPropertyNames);
    }

    [Theory]
    [InlineData("InvalidArgumentException", true)]
    [InlineData("ExpiredNextTokenException", true)]
    [InlineData("InvalidToken", false)]
    public async Task ListShards_does_not_resend_a_page_for_other_errors_or_without_a_stream(string code, bool withStream)
    {
        var transport = new FakeTransport().KinesisError(code);
        using var client = TestClients.Create(transport);

        var ex = await Assert.ThrowsAsync<KinesisServiceException>(() => client.ListShardsAsync(
            new ListShardsRequest { Stream = withStream ? StreamIdentity.FromName("orders") : null, NextToken = "page-2" }, default));

        Assert.Equal(code, ex.ErrorCode);
        Assert.Single(transport.Requests);
    }

    [Theory]
    [InlineData(ShardIteratorType.TrimHorizon, "TRIM_HORIZON")]
    [InlineData(ShardIteratorType.Latest, "LATEST")]
    public async Task GetShardIterator_for_a_position_without_arguments_sends_only_stream_shard_and_type(ShardIteratorType type, string wire)
    {
        var request = await CaptureIterator(new GetShardIteratorRequest { Stream = StreamIdentity.FromName("orders"), ShardId = "shardId-000000000001", IteratorType = type });

        Assert.Equal(new[] { "ShardId", "ShardIteratorType", "StreamName" }, request.JsonPropertyNames);
        Assert.Equal(wire, request.Json.GetProperty("ShardIteratorType").GetString());
        Assert.Equal("shardId-000000000001", request.Json.GetProperty("ShardId").GetString());
    }

    [Theory]
    [InlineData(ShardIteratorType.AtSequenceNumber, "AT_SEQUENCE_NUMBER")]
    [InlineData(ShardIteratorType.AfterSequenceNumber, "AFTER_SEQUENCE_NUMBER")]
    public async Task GetShardIterator_at_or_after_a_sequence_number_sends_it_as_a_string(ShardIteratorType type, string wire)
    {
        const string seq = "49590338271490256608559692538361571095921575989136588898";
        var request = await CaptureIterator(new GetShardIteratorRequest
        {
            Stream = StreamIdentity.FromArn(StreamArn), ShardId = "shardId-000000000000", IteratorType = type, StartingSequenceNumber = seq,
        });

        Assert.Equal(new[] { "ShardId", "ShardIteratorType", "StartingSequenceNumber", "StreamARN" }, request.JsonPropertyNames);
        Assert.Equal(wire, request.Json.GetProperty("ShardIteratorType").GetString());
        Assert.Equal(JsonValueKind.String, request.Json.GetProperty("StartingSequenceNumber").ValueKind);
        Assert.Equal(seq, request.Json.GetProperty("StartingSequenceNumber").GetString());
    }

    [Fact]
    public async Task GetShardIterator_at_timestamp_sends_epoch_seconds_as_a_number_with_milliseconds()
    {
        var at = new DateTimeOffset(2023, 11, 14, 22, 13, 20, 123, TimeSpan.Zero).ToOffset(TimeSpan.FromHours(2));
        var request = await CaptureIterator(new GetShardIteratorRequest
        {
            Stream = StreamIdentity.FromName("orders"), ShardId = "shardId-000000000000", IteratorType = ShardIteratorType.AtTimestamp, Timestamp = at,
        });

        var ts = request.Json.GetProperty("Timestamp");
        Assert.Equal("AT_TIMESTAMP", request.Json.GetProperty("ShardIteratorType").GetString());
        Assert.Equal(JsonValueKind.Number, ts.ValueKind);
        Assert.Equal("1700000000.123", ts.GetRawText());
    }

    [Fact]
    public async Task GetShardIterator_at_a_whole_second_sends_an_integer_number()
    {
        var request = await CaptureIterator(new GetShardIteratorRequest
        {
            Stream = StreamIdentity.FromName("orders"), ShardId = "shardId-000000000000", IteratorType = ShardIteratorType.AtTimestamp,
            Timestamp = DateTimeOffset.FromUnixTimeSeconds(1700000000),
        });

        Assert.Equal("1700000000", request.Json.GetProperty("Timestamp").GetRawText());
    }

    [Theory]
    [InlineData(ShardIteratorType.AtTimestamp)]
    [InlineData(ShardIteratorType.AtSequenceNumber)]
    [InlineData(ShardIteratorType.AfterSequenceNumber)]
    public async Task GetShardIterator_refuses_a_position_type_without_its_argument_before_calling(ShardIteratorType type)
    {
        var transport = new FakeTransport();
        using var client = TestClients.Create(transport);

        await Assert.ThrowsAsync<ArgumentException>(() => client.GetShardIteratorAsync(
            new GetShardIteratorRequest { Stream = StreamIdentity.FromName("orders"), ShardId = "shardId-000000000000", IteratorType = type }, default));
        Assert.Empty(transport.Requests);
    }

    [Fact]
    public async Task GetRecords_sends_the_iterator_verbatim_and_no_StreamARN_unless_set()
    {
        var request = await Capture("{\"Records\":[]}", c => c.GetRecordsAsync(
            new GetRecordsRequest { ShardIterator = "AAA+/b==\n", Limit = 10000, ShardId = "shardId-000000000000" }, default));

        Assert.Equal(new[] { "Limit", "ShardIterator" }, request.JsonPropertyNames);
        Assert.Equal("AAA+/b==\n", request.Json.GetProperty("ShardIterator").GetString());
        Assert.Equal(10000, request.Json.GetProperty("Limit").GetInt32());
    }

    [Fact]
    public async Task GetRecords_sends_StreamARN_when_the_request_has_one()
    {
        var request = await Capture("{\"Records\":[]}", c => c.GetRecordsAsync(
            new GetRecordsRequest { ShardIterator = "it", StreamArn = StreamArn }, default));

        Assert.Equal(new[] { "ShardIterator", "StreamARN" }, request.JsonPropertyNames);
        Assert.Equal(StreamArn, request.Json.GetProperty("StreamARN").GetString());
    }

    [Fact]
    public async Task PutRecords_sends_base64_data_partition_keys_and_explicit_hash_keys_only_when_set()
    {
        var put = new PutRecordsRequest { Stream = StreamIdentity.FromName("orders") };
        put.Records.Add(new PutRecordsEntry { Data = new byte[] { 0xF3, 0x89, 0x9A, 0xC2, 0x00, 0xFF }, PartitionKey = "pk-1" });
        put.Records.Add(new PutRecordsEntry { Data = Array.Empty<byte>(), PartitionKey = "pk-2", ExplicitHashKey = "170141183460469231731687303715884105728" });

        var request = await Capture("{\"FailedRecordCount\":0,\"Records\":[{},{}]}", c => c.PutRecordsAsync(put, default));

        Assert.Equal(new[] { "Records", "StreamName" }, request.JsonPropertyNames);
        var records = request.Json.GetProperty("Records").EnumerateArray().ToArray();
        Assert.Equal(2, records.Length);
        Assert.Equal("84mawgD/", records[0].GetProperty("Data").GetString());
        Assert.Equal("pk-1", records[0].GetProperty("PartitionKey").GetString());
        Assert.False(records[0].TryGetProperty("ExplicitHashKey", out _));
        Assert.Equal("", records[1].GetProperty("Data").GetString());
        Assert.Equal("170141183460469231731687303715884105728", records[1].GetProperty("ExplicitHashKey").GetString());
    }

    [Fact]
    public async Task Each_attempt_is_a_new_freshly_signed_request_with_the_same_body()
    {
        var transport = new FakeTransport()
            .KinesisError("ProvisionedThroughputExceededException")
            .Json("{\"Records\":[]}");
        using (var client = TestClients.Create(transport))
        {
            await client.GetRecordsAsync(new GetRecordsRequest { ShardIterator = "it" }, default);
        }

        var attempts = transport.All;
        Assert.Equal(2, attempts.Length);
        Assert.Equal(attempts[0].Body, attempts[1].Body);
        Assert.All(attempts, a => Assert.StartsWith("AWS4-HMAC-SHA256", a.Header("Authorization")));
    }

    [Fact]
    public async Task Disposing_the_client_leaves_a_caller_supplied_transport_usable()
    {
        var transport = new FakeTransport();
        TestClients.Create(transport).Dispose();

        Assert.False(transport.Disposed);
    }
}
