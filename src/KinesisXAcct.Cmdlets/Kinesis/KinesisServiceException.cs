using System;
using KinesisXAcct.Errors;

namespace KinesisXAcct.Kinesis
{
    /// <summary>
    /// A Kinesis call that failed for good (after retries), with the error code the service sent.
    /// The message is the plain service answer; <c>Connections.KinesisConnection</c> rewrites it
    /// with the account, region and principal involved before it reaches a user.
    /// </summary>
    public sealed class KinesisServiceException : KinesisXAcctException
    {
        public KinesisServiceException(string operation, string errorCode, string serviceMessage, int statusCode, string target, Exception inner = null)
            : base(ErrorIdFor(errorCode), KindFor(errorCode, statusCode), Describe(operation, errorCode, serviceMessage, statusCode, target), inner)
        {
            Operation = operation;
            ErrorCode = errorCode;
            ServiceMessage = serviceMessage;
            StatusCode = statusCode;
            Target = target;
        }

        /// <summary>The API operation, e.g. <c>GetRecords</c>.</summary>
        public string Operation { get; }

        /// <summary>The service's error code with any <c>prefix#</c> and <c>:suffix</c> removed; <c>null</c> for connection faults.</summary>
        public string ErrorCode { get; }

        public string ServiceMessage { get; }

        /// <summary>HTTP status, 0 when no answer arrived.</summary>
        public int StatusCode { get; }

        public bool IsExpiredIterator => ErrorCode == "ExpiredIteratorException";

        public static FailureKind KindFor(string errorCode, int statusCode)
        {
            switch (errorCode)
            {
                case "AccessDenied":
                case "AccessDeniedException":
                case "UnauthorizedOperation":
                case "KMSAccessDeniedException":
                    return FailureKind.PermissionDenied;
                case "ResourceNotFoundException":
                    return FailureKind.NotFound;
                case "ExpiredTokenException":
                case "ExpiredToken":
                case "UnrecognizedClientException":
                case "InvalidClientTokenId":
                case "InvalidSignatureException":
                case "SignatureDoesNotMatch":
                case "IncompleteSignature":
                case "MissingAuthenticationToken":
                    return FailureKind.Authentication;
                case "ProvisionedThroughputExceededException":
                case "LimitExceededException":
                case "ThrottlingException":
                case "KMSThrottlingException":
                    return FailureKind.LimitsExceeded;
                case "InvalidArgumentException":
                case "ValidationException":
                case "SerializationException":
                    return FailureKind.InvalidArgument;
            }

            if (errorCode == null && statusCode == 0) return FailureKind.Connection;
            if (statusCode == 403) return FailureKind.PermissionDenied;
            return FailureKind.Service;
        }

        private static string ErrorIdFor(string errorCode)
        {
            switch (KindFor(errorCode, 0))
            {
                case FailureKind.PermissionDenied: return "KinesisAccessDenied";
                case FailureKind.NotFound: return "KinesisResourceNotFound";
                case FailureKind.Authentication: return "KinesisCredentialsRejected";
                case FailureKind.LimitsExceeded: return "KinesisThrottledPastRetries";
                case FailureKind.InvalidArgument: return "KinesisRejectedArgument";
                case FailureKind.Connection: return "KinesisEndpointUnreachable";
                default: return "KinesisServiceError";
            }
        }

        private static string Describe(string operation, string errorCode, string serviceMessage, int statusCode, string target)
        {
            string what = target == null ? operation : $"{operation} on {target}";
            if (errorCode == null && statusCode == 0)
                return $"Kinesis {what} failed: no answer from the endpoint ({serviceMessage}).";
            string code = errorCode ?? $"HTTP {statusCode}";
            return string.IsNullOrEmpty(serviceMessage)
                ? $"Kinesis {what} failed: {code}."
                : $"Kinesis {what} failed: {code}: {serviceMessage}";
        }
    }
}
