using System;
using System.Collections;
using System.Management.Automation;
using KinesisXAcct.Commands.Completion;
using KinesisXAcct.Commands.Infrastructure;
using KinesisXAcct.Errors;
using KinesisXAcct.Sessions;

namespace KinesisXAcct.Commands
{
    /// <summary>
    /// Assumes an IAM role (usually in another account) and keeps the session in this runspace,
    /// refreshing its credentials before they expire. Later Kinesis cmdlets use it by default.
    /// </summary>
    [Cmdlet(VerbsCommunications.Connect, "KinesisRole")]
    [OutputType(typeof(KinesisRoleSession))]
    public sealed class ConnectKinesisRoleCommand : KinesisXAcctCmdlet
    {
        /// <summary>The role to assume, e.g. arn:aws:iam::239641032376:role/hmh_kinesis_consumer_role.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(RoleArnCompleter))]
        public string RoleArn { get; set; }

        /// <summary>The session name recorded in CloudTrail. Default: kxa-&lt;user&gt;-&lt;UTC time&gt;.</summary>
        [Parameter]
        public string RoleSessionName { get; set; }

        /// <summary>The external ID the role's trust policy requires (sts:ExternalId).</summary>
        [Parameter]
        public string ExternalId { get; set; }

        /// <summary>Credential lifetime, 900 to 43200 seconds (3600 at most when chaining roles). Renewed automatically.</summary>
        [Parameter]
        public int DurationSeconds { get; set; } = AssumeRoleSpec.DefaultDurationSeconds;

        /// <summary>The MFA device's serial number or ARN, when the trust policy requires MFA.</summary>
        [Parameter]
        public string SerialNumber { get; set; }

        /// <summary>The 6-digit code the MFA device shows now.</summary>
        [Parameter]
        public string TokenCode { get; set; }

        /// <summary>An inline session policy (JSON) that narrows the role's permissions.</summary>
        [Parameter]
        public string Policy { get; set; }

        /// <summary>ARNs of managed policies that narrow the role's permissions.</summary>
        [Parameter]
        public string[] PolicyArn { get; set; }

        /// <summary>Session tags, e.g. @{ team = 'ops' }.</summary>
        [Parameter]
        public Hashtable Tag { get; set; }

        /// <summary>The region for STS and Kinesis (default: AWS_REGION, AWS_DEFAULT_REGION or the profile's).</summary>
        [Parameter]
        [ArgumentCompleter(typeof(RegionCompleter))]
        public string Region { get; set; }

        /// <summary>The AWS profile with the source credentials; a profile with role_arn is assumed first (role chaining).</summary>
        [Parameter]
        public string ProfileName { get; set; }

        /// <summary>An explicit source access key id.</summary>
        [Parameter]
        public string AccessKey { get; set; }

        /// <summary>The secret of -AccessKey. Never written to any output.</summary>
        [Parameter]
        public string SecretKey { get; set; }

        /// <summary>The session token of temporary source credentials.</summary>
        [Parameter]
        public string SessionToken { get; set; }

        /// <summary>Assume the role with another session's credentials (role chaining; 1 hour at most).</summary>
        [Parameter]
        public KinesisRoleSession SourceSession { get; set; }

        /// <summary>One endpoint for both STS and Kinesis (a local emulator, for example).</summary>
        [Parameter]
        public string EndpointUrl { get; set; }

        /// <summary>The STS endpoint, when it differs from -EndpointUrl.</summary>
        [Parameter]
        public string StsEndpointUrl { get; set; }

        /// <summary>The Kinesis endpoint, when it differs from -EndpointUrl.</summary>
        [Parameter]
        public string KinesisEndpointUrl { get; set; }

        /// <summary>The name to keep the session under (default "default"); a session of the same name is replaced.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(SessionNameCompleter))]
        public string Name { get; set; } = "default";

        protected override void ProcessRecord() => Run(() =>
        {
            ConnectRequest request = BuildRequest();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            KinesisRoleSession session = Await(new RoleConnector().ConnectAsync(request, CancellationToken));
            RunspaceSessions.Current.Add(session);
            WriteVerbose($"STS AssumeRole {session.RoleArn} (with GetCallerIdentity alongside): {clock.ElapsedMilliseconds} ms.");
            WriteVerbose(request.Role.TokenCode != null
                ? $"Assumed as {session.AssumedRoleArn}; credentials expire {session.Expiration:u} (MFA: connect again then)."
                : $"Assumed as {session.AssumedRoleArn}; credentials expire {session.Expiration:u} and renew automatically.");
            WriteObject(session);
        });

        private ConnectRequest BuildRequest()
        {
            int sources = (SourceSession != null ? 1 : 0) + (AccessKey != null || SecretKey != null || SessionToken != null ? 1 : 0) + (ProfileName != null ? 1 : 0);
            if (sources > 1)
            {
                throw KinesisXAcctException.InvalidArgument(
                    "ConflictingCredentialSources",
                    "Give one source of credentials: -SourceSession, -AccessKey/-SecretKey, or -ProfileName (or none for the default chain).");
            }

            var spec = new AssumeRoleSpec
            {
                RoleArn = Sessions.RoleArn.Parse(RoleArn),
                RoleSessionName = RoleSessionName ?? AssumeRoleSpec.DefaultSessionName(Environment.UserName, DateTime.UtcNow),
                ExternalId = ExternalId,
                DurationSeconds = DurationSeconds,
                SerialNumber = SerialNumber,
                TokenCode = TokenCode,
                Policy = Policy,
            };
            foreach (string arn in PolicyArn ?? new string[0]) spec.PolicyArns.Add(arn);
            if (Tag != null)
            {
                foreach (DictionaryEntry entry in Tag) spec.Tags[entry.Key?.ToString() ?? string.Empty] = entry.Value?.ToString() ?? string.Empty;
            }

            return new ConnectRequest
            {
                Name = Name,
                Role = spec,
                Region = Region,
                EndpointUrl = EndpointUrl,
                StsEndpointUrl = StsEndpointUrl,
                KinesisEndpointUrl = KinesisEndpointUrl,
                Source = new SourceRequest
                {
                    AccessKey = AccessKey,
                    SecretKey = SecretKey,
                    SessionToken = SessionToken,
                    ProfileName = ProfileName,
                    SourceSession = SourceSession,
                },
            };
        }
    }
}
