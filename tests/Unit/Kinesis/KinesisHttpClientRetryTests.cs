using System.Diagnostics;
using System.Net;
using System.Net.Http;
using KinesisXAcct.Errors;
using KinesisXAcct.Kinesis;
using Xunit;

namespace KinesisXAcct.Tests.Unit.Kinesis;

public class KinesisHttpClientRetryTests
{
    private static readonly GetRecordsRequest Read = new() { ShardIterator = "it", ShardId = "shardId-000000000007" };
    private const string OneRecord = """{"Records":[{"SequenceNumber":"1","Data":"aGk=","PartitionKey":"k"}],"NextShardIterator":"n","MillisBehindLatest":0}""";

    [Fact]
    public async Task Throttled_twice_then_answered_makes_three_attempts_and_reports_two_retries()
    {
        var observer = new RecordingObserver();
        var transport = new FakeTransport()
            .KinesisError("ProvisionedThroughputExceededException")
            .KinesisError("com.amazonaws.kinesis#ProvisionedThroughputExceededException:http://x")
            .Json(OneRecord);
        using var client = TestClients.Create(transport, observer: observer);

        var result = await client.GetRecordsAsync(Read, default);

        Assert.Single(result.Records);
        Assert.Equal(3, transport.Requests.Count);
        var retries = observer.Retries.ToArray();
        Assert.Equal(new[] { 1, 2 }, retries.Select(r => r.Attempt));
        Assert.All(retries, r =>
        {
            Assert.Equal("ProvisionedThroughputExceededException", r.Reason);
            Assert.Equal("GetRecords", r.Operation);
            Assert.Equal("shardId-000000000007", r.Target);
        });
        var call = Assert.Single(observer.Calls);
        Assert.Equal("GetRecords", call.Operation);
        Assert.Equal("shardId-000000000007", call.Target);
        Assert.Equal(1, call.RecordCount);
        Assert.Equal(200, call.StatusCode);
        Assert.Equal(3, call.Attempt);
        Assert.True(call.Elapsed > TimeSpan.Zero);
    }

    [Fact]
    public async Task Access_denied_fails_at_once_as_a_permission_failure()
    {
        var observer = new RecordingObserver();
        var transport = new FakeTransport().KinesisError("AccessDeniedException", "User is not authorized to perform kinesis:GetRecords", HttpStatusCode.BadRequest);
        using var client = TestClients.Create(transport, observer: observer);

        var ex = await Assert.ThrowsAsync<KinesisServiceException>(() => client.GetRecordsAsync(Read, default));

        Assert.Equal(FailureKind.PermissionDenied, ex.Kind);
        Assert.Equal("AccessDeniedException", ex.ErrorCode);
        Assert.Single(transport.Requests);
        Assert.Empty(observer.Retries);
        Assert.Equal(400, Assert.Single(observer.Calls).StatusCode);
    }

    [Theory]
    [InlineData("ResourceNotFoundException", FailureKind.NotFound)]
    [InlineData("InvalidArgumentException", FailureKind.InvalidArgument)]
    [InlineData("ExpiredIteratorException", FailureKind.Service)]
    public async Task Client_errors_are_not_retried(string code, FailureKind kind)
    {
        var transport = new FakeTransport().KinesisError(code);
        using var client = TestClients.Create(transport);

        var ex = await Assert.ThrowsAsync<KinesisServiceException>(() => client.GetRecordsAsync(Read, default));

        Assert.Equal(code, ex.ErrorCode);
        Assert.Equal(kind, ex.Kind);
        Assert.Equal(code == "ExpiredIteratorException", ex.IsExpiredIterator);
        Assert.Single(transport.Requests);
    }

    [Fact]
    public async Task Throttling_past_every_retry_fails_as_limits_exceeded_after_max_retries_plus_one_attempts()
    {
        var observer = new RecordingObserver();
        var transport = new FakeTransport().AlwaysKinesisError("ThrottlingException");
        using var client = TestClients.Create(transport, maxRetries: 4, observer: observer);

        var ex = await Assert.ThrowsAsync<KinesisServiceException>(() => client.ListStreamsAsync(new ListStreamsRequest(), default));

        Assert.Equal(FailureKind.LimitsExceeded, ex.Kind);
        Assert.Equal("ThrottlingException", ex.ErrorCode);
        Assert.Equal(5, transport.Requests.Count);
        Assert.Equal(4, observer.Retries.Count);
        Assert.Equal(5, Assert.Single(observer.Calls).Attempt);
    }

    [Fact]
    public async Task With_no_retries_configured_a_throttled_call_fails_after_one_attempt()
    {
        var transport = new FakeTransport().AlwaysKinesisError("ThrottlingException");
        using var client = TestClients.Create(transport, maxRetries: 0);

        await Assert.ThrowsAsync<KinesisServiceException>(() => client.ListStreamsAsync(new ListStreamsRequest(), default));

        Assert.Single(transport.Requests);
    }

    [Fact]
    public async Task Server_errors_with_html_or_empty_bodies_are_retried()
    {
        var transport = new FakeTransport()
            .Error(HttpStatusCode.InternalServerError, "<!doctype html><html><title>500 Internal Server Error</title></html>", "text/html")
            .Error(HttpStatusCode.InternalServerError, "", null)
            .Json("""{"ShardIterator":"it"}""");
        using var client = TestClients.Create(transport);

        string it = await client.GetShardIteratorAsync(new GetShardIteratorRequest { Stream = StreamIdentity.FromName("s"), ShardId = "shardId-000000000000" }, default);

        Assert.Equal("it", it);
        Assert.Equal(3, transport.Requests.Count);
    }

    [Fact]
    public async Task Expired_session_token_with_refreshing_credentials_clears_them_and_retries_once_with_new_ones()
    {
        var credentials = new CountingRefreshingCredentials();
        var observer = new RecordingObserver();
        var transport = new FakeTransport()
            .KinesisError("ExpiredTokenException", "The security token included in the request is expired")
            .Json("""{"StreamDescriptionSummary":{"StreamName":"orders"}}""");
        using var client = TestClients.Create(transport, credentials: credentials, maxRetries: 0, observer: observer);

        var summary = await client.DescribeStreamSummaryAsync(StreamIdentity.FromName("orders"), default);

        Assert.Equal("orders", summary.StreamName);
        Assert.Equal(1, credentials.Clears);
        Assert.Equal(2, credentials.Generations);
        var attempts = transport.All;
        Assert.Equal(2, attempts.Length);
        Assert.Equal("session-token-1", attempts[0].Header("X-Amz-Security-Token"));
        Assert.Equal("session-token-2", attempts[1].Header("X-Amz-Security-Token"));
        Assert.Equal("ExpiredTokenException", Assert.Single(observer.Retries).Reason);
    }

    [Fact]
    public async Task Expired_session_token_twice_fails_as_an_authentication_failure_after_one_refresh()
    {
        var credentials = new CountingRefreshingCredentials();
        var transport = new FakeTransport().AlwaysKinesisError("ExpiredToken", HttpStatusCode.Forbidden);
        using var client = TestClients.Create(transport, credentials: credentials, maxRetries: 5);

        var ex = await Assert.ThrowsAsync<KinesisServiceException>(() => client.ListStreamsAsync(new ListStreamsRequest(), default));

        Assert.Equal(FailureKind.Authentication, ex.Kind);
        Assert.Equal(2, transport.Requests.Count);
        Assert.Equal(1, credentials.Clears);
    }

    [Fact]
    public async Task Expired_session_token_with_static_credentials_fails_without_retrying()
    {
        var transport = new FakeTransport().AlwaysKinesisError("ExpiredTokenException");
        using var client = TestClients.Create(transport, maxRetries: 5);

        var ex = await Assert.ThrowsAsync<KinesisServiceException>(() => client.ListStreamsAsync(new ListStreamsRequest(), default));

        Assert.Equal(FailureKind.Authentication, ex.Kind);
        Assert.Single(transport.Requests);
    }

    [Fact]
    public async Task Caller_cancellation_during_an_attempt_surfaces_promptly_as_cancellation_without_retrying()
    {
        var observer = new RecordingObserver();
        var transport = new FakeTransport().Hang().Json(OneRecord);
        using var client = TestClients.Create(transport, attemptTimeout: TimeSpan.FromSeconds(30), observer: observer);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        var watch = Stopwatch.StartNew();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.GetRecordsAsync(Read, cts.Token));

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}");
        Assert.Single(transport.Requests);
        Assert.Empty(observer.Retries);
    }

    [Fact]
    public async Task Caller_cancellation_during_a_backoff_ends_the_wait_without_another_attempt()
    {
        var transport = new FakeTransport().AlwaysKinesisError("ProvisionedThroughputExceededException");
        using var client = TestClients.Create(transport, baseDelay: TimeSpan.FromSeconds(20));
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(150));
        var watch = Stopwatch.StartNew();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.GetRecordsAsync(Read, cts.Token));

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}");
        Assert.Single(transport.Requests);
    }

    [Fact]
    public async Task An_already_cancelled_call_sends_nothing()
    {
        var transport = new FakeTransport().Json(OneRecord);
        using var client = TestClients.Create(transport);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.GetRecordsAsync(Read, new CancellationToken(canceled: true)));

        Assert.Empty(transport.Requests);
    }

    [Fact]
    public async Task An_attempt_that_times_out_is_retried()
    {
        var observer = new RecordingObserver();
        var transport = new FakeTransport().Hang().Json(OneRecord);
        // Long enough for the answered second attempt to complete on a loaded machine (the timeout is per attempt).
        using var client = TestClients.Create(transport, attemptTimeout: TimeSpan.FromSeconds(1), observer: observer);

        var result = await client.GetRecordsAsync(Read, default);

        Assert.Single(result.Records);
        Assert.Equal(2, transport.Requests.Count);
        Assert.StartsWith("AttemptTimeout", Assert.Single(observer.Retries).Reason);
    }

    [Fact]
    public async Task Attempts_that_keep_timing_out_fail_as_a_connection_failure_without_a_status()
    {
        var transport = new FakeTransport().Always(async (_, ct) =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            throw new InvalidOperationException("unreachable");
        });
        using var client = TestClients.Create(transport, maxRetries: 1, attemptTimeout: TimeSpan.FromMilliseconds(100));

        var ex = await Assert.ThrowsAsync<KinesisServiceException>(() => client.GetRecordsAsync(Read, default));

        Assert.Equal(FailureKind.Connection, ex.Kind);
        Assert.Equal(0, ex.StatusCode);
        Assert.Null(ex.ErrorCode);
        Assert.Contains("0.1 s", ex.ServiceMessage);
        Assert.Equal(2, transport.Requests.Count);
    }

    [Fact]
    public async Task A_connection_fault_is_retried_and_then_succeeds()
    {
        var transport = new FakeTransport()
            .Fault(new HttpRequestException("Connection refused (127.0.0.1:4567)"))
            .Json(OneRecord);
        using var client = TestClients.Create(transport);

        var result = await client.GetRecordsAsync(Read, default);

        Assert.Single(result.Records);
        Assert.Equal(2, transport.Requests.Count);
    }

    [Fact]
    public async Task Persistent_connection_faults_fail_with_status_zero_no_code_and_the_fault_text_but_no_secrets()
    {
        var observer = new RecordingObserver();
        var transport = new FakeTransport().Always((_, _) => Task.FromException<HttpResponseMessage>(
            new HttpRequestException("Connection refused (127.0.0.1:4567)", new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.ConnectionRefused))));
        using var client = TestClients.Create(transport, maxRetries: 2, observer: observer);

        var ex = await Assert.ThrowsAsync<KinesisServiceException>(() => client.ListShardsAsync(new ListShardsRequest { Stream = StreamIdentity.FromName("orders") }, default));

        Assert.Equal(0, ex.StatusCode);
        Assert.Null(ex.ErrorCode);
        Assert.Equal(FailureKind.Connection, ex.Kind);
        Assert.Contains("Connection refused (127.0.0.1:4567)", ex.Message);
        Assert.Contains("orders", ex.Message);
        Assert.DoesNotContain(TestClients.SecretKey, ex.ToString());
        Assert.DoesNotContain(TestClients.AccessKey, ex.ToString());
        Assert.Equal(3, transport.Requests.Count);
        var call = Assert.Single(observer.Calls);
        Assert.Equal(0, call.StatusCode);
        Assert.Equal(3, call.Attempt);
    }

    [Fact]
    public async Task Parallel_calls_keep_their_own_retry_budgets()
    {
        // Each call alternates throttle/success on its own; with one retry allowed every call must succeed.
        int n = 0;
        var transport = new FakeTransport().Always((_, _) =>
        {
            bool throttle = Interlocked.Increment(ref n) % 2 == 1;
            return Task.FromResult(throttle
                ? FakeTransport.Response(HttpStatusCode.BadRequest, "{\"__type\":\"ThrottlingException\"}", "application/x-amz-json-1.1")
                : FakeTransport.Response(HttpStatusCode.OK, OneRecord, "application/x-amz-json-1.1"));
        });
        using var client = TestClients.Create(transport, maxRetries: 10);

        var results = await Task.WhenAll(Enumerable.Range(0, 64).Select(i =>
            client.GetRecordsAsync(new GetRecordsRequest { ShardIterator = "it-" + i, ShardId = "shardId-" + i }, default)));

        Assert.All(results, r => Assert.Single(r.Records));
    }
}
