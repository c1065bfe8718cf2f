using System;
using System.Threading;
using System.Threading.Tasks;
using KinesisXAcct.Errors;
using KinesisXAcct.Kinesis;

namespace KinesisXAcct.Sessions
{
    /// <summary>
    /// A Kinesis client together with who and where it acts: the account, region and principal
    /// that failures must name. Built from a session or from the default credentials.
    /// </summary>
    public sealed class KinesisConnection : IDisposable
    {
        private readonly Func<CancellationToken, Task<string>> _describeCaller;

        public KinesisConnection(IKinesisApi api, string region, Uri endpoint, string accountId, string principal,
            KinesisRoleSession session, Func<CancellationToken, Task<string>> describeCaller = null)
        {
            Api = api;
            Region = region;
            Endpoint = endpoint;
            AccountId = accountId;
            Principal = principal;
            Session = session;
            _describeCaller = describeCaller;
        }

        public IKinesisApi Api { get; }
        public string Region { get; }
        public Uri Endpoint { get; }
        /// <summary>The account the calls land in, when known without a call.</summary>
        public string AccountId { get; private set; }
        /// <summary>The identity making the calls (assumed-role ARN or a description of the credentials).</summary>
        public string Principal { get; private set; }
        /// <summary>Null when the default credentials are used.</summary>
        public KinesisRoleSession Session { get; }

        /// <summary>
        /// Rewrites a service failure so it names the account, region and principal, and says what to do.
        /// For the default credentials it asks STS who we are (best effort).
        /// </summary>
        public async Task<KinesisXAcctException> ExplainAsync(KinesisServiceException e, StreamIdentity stream, CancellationToken cancellationToken)
        {
            if (AccountId == null && _describeCaller != null)
            {
                using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                {
                    timeout.CancelAfter(TimeSpan.FromSeconds(5));
                    string arn = await _describeCaller(timeout.Token).ConfigureAwait(false);
                    if (arn != null)
                    {
                        Principal = arn;
                        AccountId = arn.Split(':').Length > 4 ? arn.Split(':')[4] : null;
                    }
                }
            }

            return Explain(e, stream);
        }

        public KinesisXAcctException Explain(KinesisServiceException e, StreamIdentity stream)
        {
            string account = AccountId ?? "(unknown account)";
            string who = Principal ?? "the current credentials";
            string where = $"account {account}, region {Region}{(IsDefaultEndpoint ? string.Empty : $", endpoint {Endpoint}")}";
            string streamText = stream == null ? string.Empty : $"stream '{stream.Display}' ";
            string noSessionHint = Session == null
                ? " No Connect-KinesisRole session is in use: these are your own credentials. To read another account's stream, run Connect-KinesisRole -RoleArn <role in that account> first."
                : string.Empty;

            switch (e.Kind)
            {
                case FailureKind.NotFound:
                    return new KinesisXAcctException(
                        stream == null ? "KinesisResourceNotFound" : "StreamNotFound",
                        FailureKind.NotFound,
                        $"Kinesis {streamText}was not found in {where}, calling as {who}. Check the name and -Region, and that " +
                        $"the stream lives in the account of the role you connected with.{noSessionHint} ({e.ErrorCode}: {e.ServiceMessage})", e)
                    { Target = stream?.Display ?? e.Target };
                case FailureKind.PermissionDenied:
                    return new KinesisXAcctException(
                        "KinesisAccessDenied",
                        FailureKind.PermissionDenied,
                        $"{who} may not call kinesis:{e.Operation} {(stream == null ? string.Empty : "on ")}{streamText}in {where}. " +
                        (stream == null
                            ? $"Its IAM policy must allow kinesis:{e.Operation}."
                            : $"Its IAM policy must allow kinesis:{e.Operation} on the stream's ARN (a read-only role cannot write).") +
                        $"{noSessionHint} ({e.ErrorCode ?? "HTTP " + e.StatusCode}: {e.ServiceMessage})", e)
                    { Target = stream?.Display ?? e.Target };
                case FailureKind.Authentication:
                    return new KinesisXAcctException(
                        "KinesisCredentialsRejected",
                        FailureKind.Authentication,
                        $"Kinesis rejected the credentials of {who} in {where} ({e.ErrorCode}). " +
                        (Session != null
                            ? $"Run Connect-KinesisRole again for session '{Session.Name}'."
                            : "Refresh your AWS credentials, or Connect-KinesisRole.") + $" ({e.ServiceMessage})", e)
                    { Target = stream?.Display ?? e.Target };
                case FailureKind.LimitsExceeded:
                    return new KinesisXAcctException(
                        "KinesisThrottledPastRetries",
                        FailureKind.LimitsExceeded,
                        $"Kinesis kept throttling {e.Operation} on {streamText}in {where} after every retry ({e.ErrorCode}). " +
                        "Other consumers share the shard's 5 reads/s and 2 MB/s; try again later, or use fewer parallel readers.", e)
                    { Target = stream?.Display ?? e.Target };
                case FailureKind.Connection:
                    return new KinesisXAcctException(
                        "KinesisEndpointUnreachable",
                        FailureKind.Connection,
                        $"Could not reach Kinesis at {Endpoint} ({where}): {e.ServiceMessage}. Check the network, -Region and -EndpointUrl.", e)
                    { Target = stream?.Display ?? e.Target };
                default:
                    return new KinesisXAcctException(e.ErrorId, e.Kind, $"{e.Message} ({where}, as {who})", e) { Target = stream?.Display ?? e.Target };
            }
        }

        private bool IsDefaultEndpoint => Endpoint != null && Endpoint.Host.EndsWith(".amazonaws.com", StringComparison.OrdinalIgnoreCase);

        public void Dispose() => (Api as IDisposable)?.Dispose();
    }
}
