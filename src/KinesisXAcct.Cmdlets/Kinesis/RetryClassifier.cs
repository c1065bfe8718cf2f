using System;
using System.IO;
using System.Net.Http;
using System.Net.Sockets;
using System.Threading;

namespace KinesisXAcct.Kinesis
{
    /// <summary>An attempt that got no complete answer within <see cref="KinesisClientOptions.AttemptTimeout"/>.</summary>
    internal sealed class AttemptTimeoutException : TimeoutException
    {
        public AttemptTimeoutException(TimeSpan timeout, Exception inner = null)
            : base($"no complete answer within {timeout.TotalSeconds:0.###} s", inner)
        {
            Timeout = timeout;
        }

        public TimeSpan Timeout { get; }
    }

    /// <summary>Which failures are worth another attempt. Pure functions, so the policy is tested by itself.</summary>
    internal static class RetryClassifier
    {
        /// <summary>
        /// Throttling codes, <c>InternalFailure</c>/<c>ServiceUnavailable</c>, 429 and any 5xx are transient;
        /// everything else (AccessDenied, ResourceNotFound, InvalidArgument, ExpiredIterator, ExpiredToken, …) is not.
        /// </summary>
        public static bool IsTransient(string errorCode, int statusCode)
        {
            switch (errorCode)
            {
                case "ProvisionedThroughputExceededException":
                case "ThrottlingException":
                case "Throttling":
                case "ThrottledException":
                case "LimitExceededException":
                case "KMSThrottlingException":
                case "RequestLimitExceeded":
                case "TooManyRequestsException":
                case "InternalFailure":
                case "InternalFailureException":
                case "InternalServerError":
                case "ServiceUnavailable":
                case "ServiceUnavailableException":
                    return true;
                case "ExpiredIteratorException":
                case "ExpiredTokenException":
                case "ExpiredToken":
                    // The reader gets a new iterator; the client refreshes credentials once (see IsExpiredToken).
                    return false;
            }
            return statusCode == 429 || (statusCode >= 500 && statusCode <= 599);
        }

        /// <summary>
        /// Whether a failed attempt is worth retrying. The caller's own cancellation never is; an attempt
        /// timeout, a connection fault (<see cref="HttpRequestException"/>, <see cref="IOException"/>,
        /// <see cref="SocketException"/>) or a transient service error is.
        /// </summary>
        public static bool IsTransient(Exception exception, CancellationToken callerToken = default)
        {
            if (exception == null) return false;
            if (callerToken.IsCancellationRequested) return false;
            if (exception is KinesisServiceException service)
            {
                // Status 0 without a code: no answer arrived (a fault already wrapped by someone).
                if (service.StatusCode == 0 && service.ErrorCode == null) return true;
                return IsTransient(service.ErrorCode, service.StatusCode);
            }
            if (exception is OperationCanceledException)
            {
                // Not the caller's token (checked above): an internal timeout of the HTTP stack.
                return true;
            }
            return IsConnectionFault(exception);
        }

        /// <summary>The session credentials expired: worth one retry after refreshing them.</summary>
        public static bool IsExpiredToken(string errorCode) =>
            errorCode == "ExpiredTokenException" || errorCode == "ExpiredToken";

        /// <summary>A fault below HTTP: connection refused or reset, DNS, TLS, a truncated body, an attempt timeout.</summary>
        public static bool IsConnectionFault(Exception exception)
        {
            for (var e = exception; e != null; e = e.InnerException)
            {
                if (e is TimeoutException || e is HttpRequestException || e is IOException || e is SocketException)
                    return true;
                if (e is AggregateException agg && agg.InnerExceptions.Count == 1)
                    return IsConnectionFault(agg.InnerExceptions[0]);
            }
            return false;
        }
    }
}
