using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using KinesisXAcct.Errors;

namespace KinesisXAcct.Sessions
{
    /// <summary>
    /// Credentials of an assumed role that renew themselves: the SDK calls
    /// <see cref="GenerateNewCredentialsAsync"/> again five minutes before expiry, so a read that
    /// runs for hours keeps signing with valid keys. STS is injected, which keeps custom
    /// endpoints explicit and lets tests count calls.
    /// </summary>
    public sealed class AssumedRoleCredentials : RefreshingAWSCredentials
    {
        public static readonly TimeSpan RefreshAhead = TimeSpan.FromMinutes(5);

        private readonly IAmazonSecurityTokenService _sts;
        private readonly AssumeRoleSpec _spec;
        private int _assumeCount;

        public AssumedRoleCredentials(IAmazonSecurityTokenService sts, AssumeRoleSpec spec)
        {
            _sts = sts ?? throw new ArgumentNullException(nameof(sts));
            _spec = spec ?? throw new ArgumentNullException(nameof(spec));
            PreemptExpiryTime = RefreshAhead;
        }

        /// <summary>The ARN STS gave the session: <c>arn:aws:sts::&lt;acct&gt;:assumed-role/&lt;role&gt;/&lt;session&gt;</c>.</summary>
        public string AssumedRoleArn { get; private set; }

        /// <summary>Expiry of the credentials in hand (UTC); moves forward at each refresh.</summary>
        public DateTime? CurrentExpiration { get; private set; }

        /// <summary>How many times AssumeRole has been called (1 after connecting).</summary>
        public int AssumeCount => _assumeCount;

        protected override CredentialsRefreshState GenerateNewCredentials() =>
            GenerateNewCredentialsAsync().GetAwaiter().GetResult();

        protected override Task<CredentialsRefreshState> GenerateNewCredentialsAsync() => AssumeAsync(CancellationToken.None);

        /// <summary>Calls AssumeRole now; used once at connect (so errors surface there) and by refreshes.</summary>
        public async Task<CredentialsRefreshState> AssumeAsync(CancellationToken cancellationToken)
        {
            if (_spec.TokenCode != null && _assumeCount > 0)
            {
                // An MFA code is single-use: a silent refresh would be refused, so say what to do instead.
                throw new KinesisXAcctException(
                    "MfaSessionCannotRefresh",
                    FailureKind.Authentication,
                    $"The session for {_spec.RoleArn} was created with an MFA code and has expired; MFA codes cannot be reused. " +
                    "Run Connect-KinesisRole again with a fresh -TokenCode, or a longer -DurationSeconds.");
            }

            AssumeRoleResponse response = await _sts.AssumeRoleAsync(BuildRequest(), cancellationToken).ConfigureAwait(false);
            Interlocked.Increment(ref _assumeCount);
            Credentials c = response.Credentials;
            AssumedRoleArn = response.AssumedRoleUser?.Arn;
            DateTime expiration = (c.Expiration ?? DateTime.UtcNow.AddSeconds(_spec.DurationSeconds)).ToUniversalTime();
            CurrentExpiration = expiration;
            var state = new CredentialsRefreshState(new ImmutableCredentials(c.AccessKeyId, c.SecretAccessKey, c.SessionToken), expiration);
            currentState = state;
            return state;
        }

        private AssumeRoleRequest BuildRequest()
        {
            var request = new AssumeRoleRequest
            {
                RoleArn = _spec.RoleArn.Value,
                RoleSessionName = _spec.RoleSessionName,
                DurationSeconds = _spec.DurationSeconds,
                ExternalId = _spec.ExternalId,
                SerialNumber = _spec.SerialNumber,
                TokenCode = _spec.TokenCode,
                Policy = _spec.Policy,
            };
            if (_spec.PolicyArns.Count > 0)
                request.PolicyArns = _spec.PolicyArns.Select(a => new PolicyDescriptorType { Arn = a }).ToList();
            if (_spec.Tags.Count > 0)
                request.Tags = _spec.Tags.Select(t => new Tag { Key = t.Key, Value = t.Value }).ToList();
            return request;
        }
    }
}
