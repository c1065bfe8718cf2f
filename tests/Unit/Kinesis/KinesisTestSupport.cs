using System.Collections.Concurrent;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Text.Json;
using Amazon.Runtime;
using KinesisXAcct.Kinesis;
using Xunit;

namespace KinesisXAcct.Tests.Unit.Kinesis;

/// <summary>What the transport saw of one attempt, copied before the message is disposed.</summary>
internal sealed class RecordedRequest
{
    public required HttpMethod Method { get; init; }
    public required Uri Uri { get; init; }
    public required Dictionary<string, string> Headers { get; init; }
    public required string ContentType { get; init; }
    public required byte[] Body { get; init; }

    public string Header(string name) => Headers.TryGetValue(name, out var v) ? v : null;

    public JsonElement Json => JsonDocument.Parse(Body).RootElement;

    public string[] JsonPropertyNames => Json.EnumerateObject().Select(p => p.Name).OrderBy(n => n, StringComparer.Ordinal).ToArray();
}

/// <summary>
/// A transport that records every request and answers from a script, one step per attempt.
/// An unscripted attempt fails the test loudly.
/// </summary>
internal sealed class FakeTransport : HttpMessageHandler
{
    private readonly ConcurrentQueue<Func<RecordedRequest, CancellationToken, Task<HttpResponseMessage>>> _script = new();
    private Func<RecordedRequest, CancellationToken, Task<HttpResponseMessage>> _always;

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    public RecordedRequest[] All => Requests.ToArray();
    public RecordedRequest Single => Assert.Single(Requests.ToArray());

    public bool Disposed { get; private set; }

    public FakeTransport Then(Func<RecordedRequest, CancellationToken, Task<HttpResponseMessage>> step)
    {
        _script.Enqueue(step);
        return this;
    }

    public FakeTransport Json(string body, HttpStatusCode status = HttpStatusCode.OK) =>
        Then((_, _) => Task.FromResult(Response(status, body, "application/x-amz-json-1.1")));

    public FakeTransport Error(HttpStatusCode status, string body, string contentType = "application/x-amz-json-1.1", string errorTypeHeader = null) =>
        Then((_, _) =>
        {
            var r = Response(status, body, contentType);
            if (errorTypeHeader != null) r.Headers.TryAddWithoutValidation("x-amzn-ErrorType", errorTypeHeader);
            return Task.FromResult(r);
        });

    public FakeTransport KinesisError(string type, string message = "scripted", HttpStatusCode status = HttpStatusCode.BadRequest) =>
        Error(status, JsonSerializer.Serialize(new Dictionary<string, string> { ["__type"] = type, ["message"] = message }));

    public FakeTransport Fault(Exception exception) => Then((_, _) => Task.FromException<HttpResponseMessage>(exception));

    /// <summary>Never answers: only the attempt's or the caller's token ends it.</summary>
    public FakeTransport Hang() => Then(async (_, ct) =>
    {
        await Task.Delay(Timeout.Infinite, ct);
        throw new InvalidOperationException("unreachable");
    });

    /// <summary>Every attempt not covered by the script gets this answer.</summary>
    public FakeTransport Always(Func<RecordedRequest, CancellationToken, Task<HttpResponseMessage>> step)
    {
        _always = step;
        return this;
    }

    public FakeTransport AlwaysKinesisError(string type, HttpStatusCode status = HttpStatusCode.BadRequest) =>
        Always((_, _) => Task.FromResult(Response(status, JsonSerializer.Serialize(new Dictionary<string, string> { ["__type"] = type, ["message"] = "scripted" }), "application/x-amz-json-1.1")));

    public static HttpResponseMessage Response(HttpStatusCode status, string body, string contentType)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body ?? ""));
        if (contentType != null) content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        return new HttpResponseMessage(status) { Content = content };
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var h in request.Headers) headers[h.Key] = string.Join(",", h.Value);
        byte[] body = Array.Empty<byte>();
        string contentType = null;
        if (request.Content != null)
        {
            foreach (var h in request.Content.Headers) headers[h.Key] = string.Join(",", h.Value);
            contentType = request.Content.Headers.ContentType?.ToString();
            body = await request.Content.ReadAsByteArrayAsync(cancellationToken);
        }
        var recorded = new RecordedRequest { Method = request.Method, Uri = request.RequestUri, Headers = headers, ContentType = contentType, Body = body };
        Requests.Enqueue(recorded);

        if (_script.TryDequeue(out var step)) return await step(recorded, cancellationToken);
        if (_always != null) return await _always(recorded, cancellationToken);
        throw new InvalidOperationException($"Unscripted request #{Requests.Count}: {headers.GetValueOrDefault("X-Amz-Target")}");
    }

    protected override void Dispose(bool disposing)
    {
        Disposed = true;
        base.Dispose(disposing);
    }
}

internal sealed class RecordingObserver : IApiCallObserver
{
    public ConcurrentQueue<ApiCallInfo> Calls { get; } = new();
    public ConcurrentQueue<ApiRetryInfo> Retries { get; } = new();

    public void CallCompleted(ApiCallInfo call) => Calls.Enqueue(call);

    public void RetryScheduled(ApiRetryInfo retry) => Retries.Enqueue(retry);
}

/// <summary>Hands out a new session token at each generation, so a test can see which one signed a request.</summary>
internal sealed class CountingRefreshingCredentials : RefreshingAWSCredentials
{
    private int _generations;

    public int Generations => Volatile.Read(ref _generations);
    public int Clears { get; private set; }

    protected override CredentialsRefreshState GenerateNewCredentials()
    {
        int n = Interlocked.Increment(ref _generations);
        return new CredentialsRefreshState(new ImmutableCredentials("ASIAEXAMPLE" + n, "secret-" + n, "session-token-" + n), DateTime.UtcNow.AddHours(1));
    }

    protected override Task<CredentialsRefreshState> GenerateNewCredentialsAsync() => Task.FromResult(GenerateNewCredentials());

    public override void ClearCredentials()
    {
        Clears++;
        base.ClearCredentials();
    }
}

internal static class TestClients
{
    public const string AccessKey = "AKIDEXAMPLE";
    public const string SecretKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    public static KinesisHttpClient Create(
        FakeTransport transport,
        AWSCredentials credentials = null,
        int maxRetries = 3,
        TimeSpan? attemptTimeout = null,
        TimeSpan? baseDelay = null,
        IApiCallObserver observer = null)
    {
        return new KinesisHttpClient(new KinesisClientOptions
        {
            Endpoint = new Uri("http://127.0.0.1:4567"),
            Region = "us-east-1",
            Credentials = credentials ?? new BasicAWSCredentials(AccessKey, SecretKey),
            TransportHandler = transport,
            AttemptTimeout = attemptTimeout ?? TimeSpan.FromSeconds(10),
            Observer = observer,
            Retry = new RetryOptions
            {
                MaxRetries = maxRetries,
                BaseDelay = baseDelay ?? TimeSpan.FromMilliseconds(1),
                MaxDelay = TimeSpan.FromMilliseconds(Math.Max(5, (baseDelay ?? TimeSpan.Zero).TotalMilliseconds * 4)),
            },
        });
    }
}
