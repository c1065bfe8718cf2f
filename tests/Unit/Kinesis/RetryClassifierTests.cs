using System.Net.Http;
using System.Net.Sockets;
using KinesisXAcct.Kinesis;
using Xunit;

namespace KinesisXAcct.Tests.Unit.Kinesis;

public class RetryClassifierTests
{
    [Theory]
    [InlineData("ProvisionedThroughputExceededException", 400, true)]
    [InlineData("ThrottlingException", 400, true)]
    [InlineData("LimitExceededException", 400, true)]
    [InlineData("KMSThrottlingException", 400, true)]
    [InlineData("RequestLimitExceeded", 400, true)]
    [InlineData("InternalFailure", 500, true)]
    [InlineData("ServiceUnavailable", 503, true)]
    [InlineData(null, 500, true)]
    [InlineData(null, 502, true)]
    [InlineData(null, 503, true)]
    [InlineData(null, 504, true)]
    [InlineData(null, 429, true)]
    [InlineData("AccessDenied", 403, false)]
    [InlineData("AccessDeniedException", 400, false)]
    [InlineData("ResourceNotFoundException", 400, false)]
    [InlineData("InvalidArgumentException", 400, false)]
    [InlineData("ExpiredIteratorException", 400, false)]
    [InlineData("ExpiredTokenException", 400, false)]
    [InlineData("SignatureDoesNotMatch", 403, false)]
    [InlineData(null, 400, false)]
    [InlineData(null, 404, false)]
    public void Service_errors_retry_only_when_throttled_or_the_server_failed(string code, int status, bool transient)
    {
        Assert.Equal(transient, RetryClassifier.IsTransient(code, status));
        Assert.Equal(transient, RetryClassifier.IsTransient(new KinesisServiceException("GetRecords", code, "m", status, "shardId-000000000000")));
    }

    public static TheoryData<string, Exception, bool> Faults => new()
    {
        { "HttpRequestException", new HttpRequestException("Connection refused"), true },
        { "HttpRequestException over SocketException", new HttpRequestException("x", new SocketException((int)SocketError.ConnectionReset)), true },
        { "IOException (truncated body)", new IOException("The response ended prematurely."), true },
        { "SocketException", new SocketException((int)SocketError.ConnectionRefused), true },
        { "attempt timeout", new AttemptTimeoutException(TimeSpan.FromSeconds(1)), true },
        { "HTTP stack timeout (not the caller's token)", new TaskCanceledException("timeout"), true },
        { "connection fault already wrapped", new KinesisServiceException("ListShards", null, "refused", 0, "s"), true },
        { "unrelated bug", new InvalidOperationException("bug"), false },
        { "argument error", new ArgumentException("bad"), false },
        { "null", null, false },
    };

    [Theory]
    [MemberData(nameof(Faults))]
    public void Connection_faults_and_attempt_timeouts_retry_but_other_exceptions_do_not(string what, Exception fault, bool transient)
    {
        Assert.True(transient == RetryClassifier.IsTransient(fault, CancellationToken.None), what);
    }

    [Fact]
    public void Nothing_retries_once_the_caller_has_cancelled()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();

        Assert.False(RetryClassifier.IsTransient(new OperationCanceledException(cts.Token), cts.Token));
        Assert.False(RetryClassifier.IsTransient(new HttpRequestException("reset"), cts.Token));
        Assert.False(RetryClassifier.IsTransient(new KinesisServiceException("GetRecords", "ThrottlingException", "m", 400, null), cts.Token));
    }

    [Theory]
    [InlineData("ExpiredTokenException", true)]
    [InlineData("ExpiredToken", true)]
    [InlineData("ExpiredIteratorException", false)]
    [InlineData(null, false)]
    public void Expired_session_tokens_are_recognised_apart_from_expired_iterators(string code, bool expired)
    {
        Assert.Equal(expired, RetryClassifier.IsExpiredToken(code));
    }
}
