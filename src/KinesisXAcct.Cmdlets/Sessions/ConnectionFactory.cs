using System;
using KinesisXAcct.Configuration;
using KinesisXAcct.Kinesis;

namespace KinesisXAcct.Sessions
{
    /// <summary>What a Kinesis cmdlet was told about where and as whom to call.</summary>
    public sealed class ConnectionRequest
    {
        /// <summary>When set, the other fields only override its region and endpoint.</summary>
        public KinesisRoleSession Session { get; set; }
        public string ProfileName { get; set; }
        public string Region { get; set; }
        public string EndpointUrl { get; set; }
        public IApiCallObserver Observer { get; set; }
        public RetryOptions Retry { get; set; }
        /// <summary>Per-attempt timeout; null for the client's default.</summary>
        public TimeSpan? AttemptTimeout { get; set; }
    }

    /// <summary>Builds a <see cref="KinesisConnection"/> from a session, or from the default credential chain.</summary>
    public static class ConnectionFactory
    {
        public static KinesisConnection Create(ConnectionRequest request)
        {
            KinesisRoleSession session = request.Session;
            if (session != null)
            {
                string region = request.Region ?? session.Region;
                AwsSettings.ValidateRegion(region);
                Uri endpoint = request.EndpointUrl != null ? AwsSettings.ParseEndpoint(request.EndpointUrl) : session.KinesisEndpoint;
                if (request.EndpointUrl == null && region != session.Region && AwsSettings.IsDefaultKinesisEndpoint(session.KinesisEndpoint, session.Region))
                    endpoint = AwsSettings.ResolveKinesisEndpoint(null, null, region); // another region of AWS itself, same credentials
                var api = new KinesisHttpClient(Options(session.Credentials, region, endpoint, request));
                return new KinesisConnection(api, region, endpoint, session.AccountId, session.AssumedRoleArn ?? session.RoleArn, session);
            }

            var profile = AwsSettings.RequireProfile(AwsSettings.ProfileName(request.ProfileName));
            string defaultRegion = AwsSettings.ResolveRegion(request.Region, profile);
            Uri kinesisEndpoint = AwsSettings.ResolveKinesisEndpoint(request.EndpointUrl, profile, defaultRegion);
            Uri stsEndpoint = AwsSettings.ResolveStsEndpoint(request.EndpointUrl, profile);
            SourceCredentials source = SourceCredentialResolver.Resolve(new SourceRequest
            {
                ProfileName = request.ProfileName,
                Region = defaultRegion,
                StsEndpoint = stsEndpoint,
            });
            var defaultApi = new KinesisHttpClient(Options(source.Credentials, defaultRegion, kinesisEndpoint, request));
            return new KinesisConnection(
                defaultApi, defaultRegion, kinesisEndpoint, accountId: null, principal: source.Description, session: null,
                describeCaller: ct => RoleConnector.CallerArnAsync(StsClientFactory.Create(source.Credentials, defaultRegion, stsEndpoint), ct));
        }

        private static KinesisClientOptions Options(Amazon.Runtime.AWSCredentials credentials, string region, Uri endpoint, ConnectionRequest request)
        {
            var options = new KinesisClientOptions
            {
                Credentials = credentials,
                Region = region,
                Endpoint = endpoint,
                Observer = request.Observer,
                Retry = request.Retry ?? new RetryOptions(),
            };
            if (request.AttemptTimeout.HasValue) options.AttemptTimeout = request.AttemptTimeout.Value;
            else if (AttemptTimeoutFromEnvironment() is TimeSpan fromEnvironment) options.AttemptTimeout = fromEnvironment;
            if (request.Retry == null && int.TryParse(AwsSettings.Env("KXA_MAX_RETRIES"), System.Globalization.NumberStyles.None,
                    System.Globalization.CultureInfo.InvariantCulture, out int maxRetries) && maxRetries <= 100)
                options.Retry.MaxRetries = maxRetries;
            return options;
        }

        /// <summary>
        /// KXA_ATTEMPT_TIMEOUT_SECONDS (e.g. 2, or 0.5): a per-attempt timeout other than the client's 30 s;
        /// KXA_MAX_RETRIES (0-100): retries per call other than 10. For tests that delay answers past the
        /// timeout or stop the endpoint for less than the default retries last (tests/Pester/Faults.Tests.ps1).
        /// </summary>
        private static TimeSpan? AttemptTimeoutFromEnvironment()
        {
            string text = AwsSettings.Env("KXA_ATTEMPT_TIMEOUT_SECONDS");
            return text != null && double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double seconds)
                   && seconds > 0 && seconds <= 3600
                ? TimeSpan.FromSeconds(seconds)
                : (TimeSpan?)null;
        }
    }
}
