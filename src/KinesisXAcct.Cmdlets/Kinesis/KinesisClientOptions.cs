using System;
using System.Net.Http;
using Amazon.Runtime;

namespace KinesisXAcct.Kinesis
{
    /// <summary>Everything a <see cref="KinesisHttpClient"/> needs: where, as whom, and how hard to retry.</summary>
    public sealed class KinesisClientOptions
    {
        /// <summary>e.g. <c>https://kinesis.us-east-1.amazonaws.com</c> or an emulator on loopback.</summary>
        public Uri Endpoint { get; set; }

        /// <summary>Signing region.</summary>
        public string Region { get; set; }

        /// <summary>Read again at every send, so refreshing credentials keep working.</summary>
        public AWSCredentials Credentials { get; set; }

        public RetryOptions Retry { get; set; } = new RetryOptions();

        /// <summary>Per attempt; a timed-out attempt is retried like a connection fault.</summary>
        public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(30);

        /// <summary>Told about each call and each retry (for -Verbose and warnings); may be null.</summary>
        public IApiCallObserver Observer { get; set; }

        /// <summary>The transport under the signing handler; tests substitute one. Null: a pooled default.</summary>
        public HttpMessageHandler TransportHandler { get; set; }
    }

    public sealed class RetryOptions
    {
        /// <summary>Retries after the first attempt for throttling, 5xx and connection faults.</summary>
        public int MaxRetries { get; set; } = 10;

        /// <summary>First backoff; doubles each retry, with jitter, up to <see cref="MaxDelay"/>.</summary>
        public TimeSpan BaseDelay { get; set; } = TimeSpan.FromMilliseconds(200);

        public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(10);
    }

    /// <summary>Receives call telemetry. Called on worker threads: implementations must be thread-safe and quick.</summary>
    public interface IApiCallObserver
    {
        void CallCompleted(ApiCallInfo call);

        void RetryScheduled(ApiRetryInfo retry);
    }

    public sealed class ApiCallInfo
    {
        public string Operation { get; set; }
        /// <summary>Stream or shard the call was about.</summary>
        public string Target { get; set; }
        /// <summary>Records returned or sent, when the operation has any.</summary>
        public int? RecordCount { get; set; }
        public TimeSpan Elapsed { get; set; }
        public int StatusCode { get; set; }
        public int Attempt { get; set; }
    }

    public sealed class ApiRetryInfo
    {
        public string Operation { get; set; }
        public string Target { get; set; }
        /// <summary>1 for the first retry.</summary>
        public int Attempt { get; set; }
        public TimeSpan Delay { get; set; }
        /// <summary>The error code or fault that caused it, e.g. <c>ProvisionedThroughputExceededException</c>.</summary>
        public string Reason { get; set; }
    }
}
