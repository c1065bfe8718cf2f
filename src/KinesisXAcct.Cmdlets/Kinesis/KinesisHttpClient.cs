using System;
using System.Buffers;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.Signing;
using Polly;
using Polly.Retry;

namespace KinesisXAcct.Kinesis
{
    /// <summary>
    /// <see cref="IKinesisApi"/> over <see cref="HttpClient"/>: JSON 1.1 requests signed by
    /// <see cref="SigV4SigningHandler"/> (which reads the credentials again at every send), retried by a
    /// Polly pipeline above the signer so each attempt is a new, freshly signed message.
    /// </summary>
    /// <remarks>
    /// Thread-safe: one instance serves every shard of a stream in parallel. The transport given in
    /// <see cref="KinesisClientOptions.TransportHandler"/> belongs to the caller and is not disposed here;
    /// the default transport is.
    /// </remarks>
    public sealed class KinesisHttpClient : IKinesisApi, IDisposable
    {
        private const string TargetPrefix = "Kinesis_20131202.";
        private const string ContentType = "application/x-amz-json-1.1";

        /// <summary>Connections per endpoint: 64 shards read in parallel plus writers and list calls.</summary>
        internal const int MaxConnectionsPerServer = 256;

        private static readonly ResiliencePropertyKey<CallState> CallStateKey =
            new ResiliencePropertyKey<CallState>("KinesisXAcct.Kinesis.CallState");

        private readonly HttpClient _http;
        private readonly ResiliencePipeline _pipeline;
        private readonly Uri _endpoint;
        private readonly AWSCredentials _credentials;
        private readonly TimeSpan _attemptTimeout;
        private readonly int _maxRetries;
        private readonly IApiCallObserver _observer;
        private int _disposed;

        public KinesisHttpClient(KinesisClientOptions options)
        {
            if (options == null) throw new ArgumentNullException(nameof(options));
            if (options.Endpoint == null) throw new ArgumentException("An endpoint is required.", nameof(options));
            if (string.IsNullOrEmpty(options.Region)) throw new ArgumentException("A signing region is required.", nameof(options));
            if (options.Credentials == null) throw new ArgumentException("Credentials are required.", nameof(options));

            _endpoint = options.Endpoint;
            _credentials = options.Credentials;
            _observer = options.Observer;
            _attemptTimeout = options.AttemptTimeout > TimeSpan.Zero ? options.AttemptTimeout : Timeout.InfiniteTimeSpan;

            var retry = options.Retry ?? new RetryOptions();
            _maxRetries = Math.Max(0, retry.MaxRetries);

            HttpMessageHandler transport = options.TransportHandler != null
                ? new LeaveOpenHandler(options.TransportHandler)
                : CreateDefaultTransport();
            var signer = new SigV4SigningHandler(_credentials, RegionEndpoint.GetBySystemName(options.Region), "kinesis", transport);
            _http = new HttpClient(signer, disposeHandler: true)
            {
                // Each attempt has its own timeout (a linked token); the client-wide one would not be retried.
                Timeout = Timeout.InfiniteTimeSpan,
            };

            _pipeline = BuildPipeline(retry);
        }

        // ------------------------------------------------------------------ operations

        public Task<ListStreamsResponse> ListStreamsAsync(ListStreamsRequest request, CancellationToken cancellationToken) =>
            CallAsync("ListStreams", null, KinesisJson.WriteListStreams(request),
                json => KinesisJson.ReadListStreams(json), null, cancellationToken);

        public Task<StreamSummary> DescribeStreamSummaryAsync(StreamIdentity stream, CancellationToken cancellationToken) =>
            CallAsync("DescribeStreamSummary", stream?.Display, KinesisJson.WriteDescribeStreamSummary(stream),
                json => KinesisJson.ReadDescribeStreamSummary(json), null, cancellationToken);

        public async Task<ListShardsResponse> ListShardsAsync(ListShardsRequest request, CancellationToken cancellationToken)
        {
            try
            {
                return await CallAsync("ListShards", request?.Stream?.Display, KinesisJson.WriteListShards(request),
                    json => KinesisJson.ReadListShards(json), null, cancellationToken).ConfigureAwait(false);
            }
            catch (KinesisServiceException ex) when (ex.ErrorCode == MotoInvalidPageToken && request.NextToken != null && request.Stream != null)
            {
                // moto wants the stream again with NextToken (its paginator checksums it into the token), while AWS
                // and kinesis-local refuse the two together. AWS never answers ListShards with "InvalidToken".
                return await CallAsync("ListShards", request.Stream.Display, KinesisJson.WriteListShards(request, streamWithNextToken: true),
                    json => KinesisJson.ReadListShards(json), null, cancellationToken).ConfigureAwait(false);
            }
        }

        /// <summary>moto's answer to a page token whose stream parameters differ from the first page's.</summary>
        internal const string MotoInvalidPageToken = "InvalidToken";

        public Task<string> GetShardIteratorAsync(GetShardIteratorRequest request, CancellationToken cancellationToken) =>
            CallAsync("GetShardIterator", request?.ShardId ?? request?.Stream?.Display, KinesisJson.WriteGetShardIterator(request),
                json => KinesisJson.ReadGetShardIterator(json), null, cancellationToken);

        public Task<GetRecordsResponse> GetRecordsAsync(GetRecordsRequest request, CancellationToken cancellationToken) =>
            CallAsync("GetRecords", request?.ShardId ?? StreamIdentity.ArnStreamName(request?.StreamArn), KinesisJson.WriteGetRecords(request),
                json => KinesisJson.ReadGetRecords(json.Span), r => r.Records.Count, cancellationToken);

        public Task<PutRecordsResponse> PutRecordsAsync(PutRecordsRequest request, CancellationToken cancellationToken) =>
            CallAsync("PutRecords", request?.Stream?.Display, KinesisJson.WritePutRecords(request),
                json => KinesisJson.ReadPutRecords(json), r => request.Records.Count, cancellationToken);

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) _http.Dispose();
        }

        // ------------------------------------------------------------------ one call: retries around attempts

        internal delegate T ResponseParser<T>(ReadOnlyMemory<byte> json);

        private async Task<T> CallAsync<T>(string operation, string target, byte[] body, ResponseParser<T> parse,
            Func<T, int> countOf, CancellationToken cancellationToken)
        {
            if (Volatile.Read(ref _disposed) != 0) throw new ObjectDisposedException(nameof(KinesisHttpClient));
            cancellationToken.ThrowIfCancellationRequested();

            var call = new Call<T>(operation, target, body, parse, cancellationToken);
            var stopwatch = Stopwatch.StartNew();
            ResilienceContext context = ResilienceContextPool.Shared.Get(operation, cancellationToken);
            context.Properties.Set(CallStateKey, call);
            try
            {
                T result = await _pipeline.ExecuteAsync(
                    (ctx, state) => state.Client.AttemptAsync(state.Call),
                    context,
                    new AttemptState<T>(this, call)).ConfigureAwait(false);
                Report(call, stopwatch.Elapsed, countOf?.Invoke(result));
                return result;
            }
            catch (Exception ex) when (cancellationToken.IsCancellationRequested)
            {
                if (ex is OperationCanceledException) throw;
                throw new OperationCanceledException($"Kinesis {operation} was cancelled.", ex, cancellationToken);
            }
            catch (KinesisServiceException)
            {
                Report(call, stopwatch.Elapsed, null);
                throw;
            }
            catch (Exception ex) when (ex is OperationCanceledException || RetryClassifier.IsConnectionFault(ex))
            {
                call.LastStatus = 0;
                Report(call, stopwatch.Elapsed, null);
                throw new KinesisServiceException(operation, null, DescribeFault(ex), 0, target, ex);
            }
            finally
            {
                ResilienceContextPool.Shared.Return(context);
            }
        }

        private async ValueTask<T> AttemptAsync<T>(Call<T> call)
        {
            call.Attempt++;
            call.LastStatus = 0;
            CancellationToken caller = call.CallerToken;
            using (var attemptCts = CancellationTokenSource.CreateLinkedTokenSource(caller))
            {
                if (_attemptTimeout != Timeout.InfiniteTimeSpan) attemptCts.CancelAfter(_attemptTimeout);
                byte[] buffer = null;
                try
                {
                    using (var request = NewRequest(call.Operation, call.Body))
                    using (HttpResponseMessage response = await _http
                        .SendAsync(request, HttpCompletionOption.ResponseHeadersRead, attemptCts.Token)
                        .ConfigureAwait(false))
                    {
                        int status = (int)response.StatusCode;
                        call.LastStatus = status;
                        int length;
                        (buffer, length) = await ReadBodyAsync(response.Content, attemptCts.Token).ConfigureAwait(false);
                        var json = new ReadOnlyMemory<byte>(buffer, 0, length);

                        if (status < 200 || status > 299)
                        {
                            KinesisError error = KinesisErrorParser.Parse(status, response.Headers, json.Span, response.ReasonPhrase);
                            throw new KinesisServiceException(call.Operation, error.Code, error.Message, status, call.Target);
                        }

                        try
                        {
                            return call.Parse(json);
                        }
                        catch (Exception ex) when (ex is JsonException || ex is FormatException || ex is InvalidOperationException)
                        {
                            throw new KinesisServiceException(call.Operation, null,
                                "the answer could not be read (" + ex.Message + ")", status, call.Target, ex);
                        }
                    }
                }
                catch (Exception ex) when (!(ex is KinesisServiceException) && caller.IsCancellationRequested)
                {
                    if (ex is OperationCanceledException) throw;
                    throw new OperationCanceledException($"Kinesis {call.Operation} was cancelled.", ex, caller);
                }
                catch (Exception ex) when (!(ex is KinesisServiceException) && attemptCts.IsCancellationRequested)
                {
                    throw new AttemptTimeoutException(_attemptTimeout, ex);
                }
                finally
                {
                    if (buffer != null) ArrayPool<byte>.Shared.Return(buffer);
                }
            }
        }

        private HttpRequestMessage NewRequest(string operation, byte[] body)
        {
            var content = new ByteArrayContent(body);
            // Exactly this media type, no charset: moto refuses anything else.
            content.Headers.ContentType = new MediaTypeHeaderValue(ContentType);
            var request = new HttpRequestMessage(HttpMethod.Post, _endpoint) { Content = content };
            request.Headers.TryAddWithoutValidation("X-Amz-Target", TargetPrefix + operation);
            return request;
        }

        /// <summary>The whole body into a pooled buffer (returned by the caller), honouring the attempt's token.</summary>
        private static async Task<(byte[] Buffer, int Length)> ReadBodyAsync(HttpContent content, CancellationToken cancellationToken)
        {
            if (content == null) return (ArrayPool<byte>.Shared.Rent(1), 0);
            long? declared = content.Headers.ContentLength;
            int initial = declared.HasValue && declared.Value >= 0 && declared.Value < int.MaxValue - 1
                ? (int)declared.Value + 1 // +1: a zero-byte read confirms the end without growing
                : 16 * 1024;
            byte[] buffer = ArrayPool<byte>.Shared.Rent(Math.Max(initial, 256));
            int length = 0;
            try
            {
                using (Stream stream = await content.ReadAsStreamAsync().ConfigureAwait(false))
                {
                    while (true)
                    {
                        if (length == buffer.Length)
                        {
                            byte[] bigger = ArrayPool<byte>.Shared.Rent(checked(buffer.Length * 2));
                            Buffer.BlockCopy(buffer, 0, bigger, 0, length);
                            ArrayPool<byte>.Shared.Return(buffer);
                            buffer = bigger;
                        }
                        int read = await stream.ReadAsync(buffer, length, buffer.Length - length, cancellationToken).ConfigureAwait(false);
                        if (read == 0) break;
                        length += read;
                    }
                }
                return (buffer, length);
            }
            catch
            {
                ArrayPool<byte>.Shared.Return(buffer);
                throw;
            }
        }

        // ------------------------------------------------------------------ retry policy

        private ResiliencePipeline BuildPipeline(RetryOptions retry)
        {
            TimeSpan oneDay = TimeSpan.FromDays(1);
            TimeSpan baseDelay = Clamp(retry.BaseDelay, TimeSpan.Zero, oneDay);
            TimeSpan maxDelay = Clamp(retry.MaxDelay, baseDelay, oneDay);

            var options = new RetryStrategyOptions
            {
                // Our own counters (in ShouldHandle) are the binding limit: MaxRetries for transient faults plus
                // one retry after refreshing expired credentials. Polly's limit only has to leave room for both.
                MaxRetryAttempts = _maxRetries >= int.MaxValue - 1 ? int.MaxValue : _maxRetries + 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = baseDelay,
                MaxDelay = maxDelay,
                ShouldHandle = args => new ValueTask<bool>(ShouldRetry(args.Context, args.Outcome.Exception)),
                DelayGenerator = args =>
                {
                    var call = args.Context.Properties.GetValue(CallStateKey, null);
                    // Fresh credentials need no backoff.
                    return new ValueTask<TimeSpan?>(call != null && call.PendingCredentialRefresh ? TimeSpan.Zero : (TimeSpan?)null);
                },
                OnRetry = args =>
                {
                    OnRetry(args.Context, args.Outcome.Exception, args.AttemptNumber, args.RetryDelay);
                    return default;
                },
            };
            return new ResiliencePipelineBuilder().AddRetry(options).Build();
        }

        private bool ShouldRetry(ResilienceContext context, Exception exception)
        {
            if (exception == null) return false;
            var call = context.Properties.GetValue(CallStateKey, null);
            if (call == null || call.CallerToken.IsCancellationRequested) return false;

            if (exception is KinesisServiceException service && RetryClassifier.IsExpiredToken(service.ErrorCode))
            {
                if (_credentials is RefreshingAWSCredentials && !call.CredentialsRefreshed)
                {
                    call.PendingCredentialRefresh = true;
                    return true;
                }
                return false;
            }

            return call.TransientRetries < _maxRetries && RetryClassifier.IsTransient(exception, call.CallerToken);
        }

        private void OnRetry(ResilienceContext context, Exception exception, int attemptNumber, TimeSpan delay)
        {
            var call = context.Properties.GetValue(CallStateKey, null);
            if (call == null) return;
            if (call.PendingCredentialRefresh)
            {
                call.PendingCredentialRefresh = false;
                call.CredentialsRefreshed = true;
                // The next send signs with newly generated credentials (the signer reads them at every send).
                ((RefreshingAWSCredentials)_credentials).ClearCredentials();
            }
            else
            {
                call.TransientRetries++;
            }

            var observer = _observer;
            if (observer == null) return;
            try
            {
                observer.RetryScheduled(new ApiRetryInfo
                {
                    Operation = call.Operation,
                    Target = call.Target,
                    Attempt = attemptNumber + 1,
                    Delay = delay,
                    Reason = ReasonFor(exception),
                });
            }
            catch (Exception)
            {
                // Telemetry must never break a read.
            }
        }

        private void Report(CallState call, TimeSpan elapsed, int? recordCount)
        {
            var observer = _observer;
            if (observer == null) return;
            try
            {
                observer.CallCompleted(new ApiCallInfo
                {
                    Operation = call.Operation,
                    Target = call.Target,
                    RecordCount = recordCount,
                    Elapsed = elapsed,
                    StatusCode = call.LastStatus,
                    Attempt = call.Attempt,
                });
            }
            catch (Exception)
            {
                // Telemetry must never break a read.
            }
        }

        internal static string ReasonFor(Exception exception)
        {
            switch (exception)
            {
                case null: return null;
                case KinesisServiceException service:
                    return service.ErrorCode ?? (service.StatusCode == 0 ? service.ServiceMessage : "HTTP " + service.StatusCode);
                case AttemptTimeoutException timeout:
                    return "AttemptTimeout (" + timeout.Message + ")";
                default:
                    return exception.GetType().Name + ": " + DescribeFault(exception);
            }
        }

        /// <summary>The messages of a fault's chain (connection refused, reset, DNS, TLS …); never headers or credentials.</summary>
        internal static string DescribeFault(Exception exception)
        {
            var parts = new List<string>();
            for (var e = exception; e != null && parts.Count < 4; e = e.InnerException)
            {
                string m = e.Message?.Trim();
                if (string.IsNullOrEmpty(m)) continue;
                if (parts.Count > 0 && parts[parts.Count - 1].IndexOf(m, StringComparison.Ordinal) >= 0) continue;
                parts.Add(m.TrimEnd('.'));
            }
            return parts.Count == 0 ? exception.GetType().Name : string.Join(": ", parts);
        }

        private static TimeSpan Clamp(TimeSpan value, TimeSpan min, TimeSpan max) =>
            value < min ? min : value > max ? max : value;

        private static HttpMessageHandler CreateDefaultTransport()
        {
            var handler = new HttpClientHandler
            {
                AutomaticDecompression = DecompressionMethods.None,
                // Redirects would bypass the signer (see SigV4SigningHandler's remarks).
                AllowAutoRedirect = false,
                UseCookies = false,
            };
            try
            {
                handler.MaxConnectionsPerServer = MaxConnectionsPerServer;
            }
            catch (PlatformNotSupportedException)
            {
                // Old .NET Framework: ServicePointManager decides.
            }
            return handler;
        }

        // ------------------------------------------------------------------ per-call state

        private class CallState
        {
            protected CallState(string operation, string target, CancellationToken callerToken)
            {
                Operation = operation;
                Target = target;
                CallerToken = callerToken;
            }

            public string Operation { get; }
            public string Target { get; }
            public CancellationToken CallerToken { get; }

            /// <summary>Attempts started (1-based once the first one runs).</summary>
            public int Attempt;
            /// <summary>HTTP status of the latest attempt; 0 when none arrived.</summary>
            public int LastStatus;
            public int TransientRetries;
            public bool CredentialsRefreshed;
            public bool PendingCredentialRefresh;
        }

        private sealed class Call<T> : CallState
        {
            public Call(string operation, string target, byte[] body, ResponseParser<T> parse, CancellationToken callerToken)
                : base(operation, target, callerToken)
            {
                Body = body;
                Parse = parse;
            }

            public byte[] Body { get; }
            public ResponseParser<T> Parse { get; }
        }

        private readonly struct AttemptState<T>
        {
            public AttemptState(KinesisHttpClient client, Call<T> call)
            {
                Client = client;
                Call = call;
            }

            public KinesisHttpClient Client { get; }
            public Call<T> Call { get; }
        }

        /// <summary>Keeps a caller's transport alive when the client is disposed.</summary>
        private sealed class LeaveOpenHandler : DelegatingHandler
        {
            public LeaveOpenHandler(HttpMessageHandler inner) : base(inner)
            {
            }

            protected override void Dispose(bool disposing)
            {
                // Deliberately not base.Dispose(disposing): that would dispose the caller's handler.
            }
        }
    }
}
