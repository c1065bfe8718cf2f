using System;
using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;
using Amazon.Runtime.Credentials;
using KinesisXAcct.Configuration;
using KinesisXAcct.Errors;

namespace KinesisXAcct.Sessions
{
    /// <summary>Where the source credentials come from, in the order a caller can state them.</summary>
    public sealed class SourceRequest
    {
        public string AccessKey { get; set; }
        public string SecretKey { get; set; }
        public string SessionToken { get; set; }
        public string ProfileName { get; set; }
        public KinesisRoleSession SourceSession { get; set; }
        /// <summary>Region and STS endpoint for a profile that itself assumes a role.</summary>
        public string Region { get; set; }
        public Uri StsEndpoint { get; set; }
    }

    /// <summary>
    /// Resolves source credentials: another session (role chaining), explicit keys, a named profile
    /// (a profile with <c>role_arn</c> is assumed here, through our STS endpoint, as the AWS CLI
    /// does), or the SDK's default chain (environment, profile, container and instance roles).
    /// </summary>
    public static class SourceCredentialResolver
    {
        private const int MaxProfileDepth = 5;

        public static SourceCredentials Resolve(SourceRequest request)
        {
            if (request.SourceSession != null)
            {
                return new SourceCredentials(request.SourceSession.Credentials, $"session '{request.SourceSession.Name}' ({request.SourceSession.AssumedRoleArn ?? request.SourceSession.RoleArn})", isAssumedRole: true);
            }

            if (request.AccessKey != null || request.SecretKey != null || request.SessionToken != null)
            {
                if (string.IsNullOrEmpty(request.AccessKey) || string.IsNullOrEmpty(request.SecretKey))
                {
                    throw KinesisXAcctException.InvalidArgument(
                        "AccessKeyAndSecretKeyGoTogether",
                        "Explicit credentials need both -AccessKey and -SecretKey (and -SessionToken for temporary keys).");
                }

                AWSCredentials keys = request.SessionToken == null
                    ? new BasicAWSCredentials(request.AccessKey, request.SecretKey)
                    : (AWSCredentials)new SessionAWSCredentials(request.AccessKey, request.SecretKey, request.SessionToken);
                return new SourceCredentials(keys, $"the access key {MaskKey(request.AccessKey)}", isAssumedRole: false);
            }

            string profileName = AwsSettings.ProfileName(request.ProfileName);
            if (profileName != null)
                return FromProfile(profileName, request, depth: 0);

            AWSCredentials chain;
            try
            {
                chain = DefaultAWSCredentialsIdentityResolver.GetCredentials();
            }
            catch (Exception e)
            {
                throw new KinesisXAcctException(
                    "NoSourceCredentials",
                    FailureKind.Authentication,
                    "No AWS credentials were found to assume the role with. Set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, " +
                    "pass -ProfileName, -AccessKey/-SecretKey or -SourceSession, or run where a container or instance role is available. " +
                    $"({e.Message})");
            }

            return new SourceCredentials(chain, "the AWS default credential chain", isAssumedRole: false);
        }

        /// <summary>Shows only the last four characters of an access key id.</summary>
        public static string MaskKey(string accessKey) =>
            accessKey == null || accessKey.Length <= 4 ? "****" : "****" + accessKey.Substring(accessKey.Length - 4);

        private static SourceCredentials FromProfile(string profileName, SourceRequest request, int depth)
        {
            if (depth > MaxProfileDepth)
            {
                throw KinesisXAcctException.InvalidArgument(
                    "ProfileChainTooDeep",
                    $"The profile '{profileName}' chains source_profile more than {MaxProfileDepth} times; check for a loop in ~/.aws/config.");
            }

            CredentialProfile profile = AwsSettings.RequireProfile(profileName);
            CredentialProfileOptions options = profile.Options;
            if (string.IsNullOrEmpty(options.RoleArn))
            {
                var chain = new CredentialProfileStoreChain();
                if (!chain.TryGetAWSCredentials(profileName, out AWSCredentials credentials))
                {
                    throw new KinesisXAcctException(
                        "ProfileHasNoCredentials",
                        FailureKind.Authentication,
                        $"The AWS profile '{profileName}' has no usable credentials (no keys, SSO, process or role settings).") { Target = profileName };
                }

                return new SourceCredentials(credentials, $"profile '{profileName}'", isAssumedRole: false);
            }

            // A role profile: assume its role_arn with its source_profile (or credential_source), through
            // our STS endpoint, so emulators and -StsEndpointUrl apply to it as well.
            if (!string.IsNullOrEmpty(options.MfaSerial))
            {
                throw KinesisXAcctException.InvalidArgument(
                    "ProfileNeedsMfa",
                    $"The profile '{profileName}' requires MFA (mfa_serial). Connect with its source profile and pass " +
                    "-RoleArn, -SerialNumber and -TokenCode to Connect-KinesisRole instead.");
            }

            SourceCredentials parent;
            if (!string.IsNullOrEmpty(options.SourceProfile))
                parent = FromProfile(options.SourceProfile, request, depth + 1);
            else if (string.Equals(options.CredentialSource, "Environment", StringComparison.OrdinalIgnoreCase))
                parent = new SourceCredentials(new EnvironmentVariablesAWSCredentials(), "the environment variables", isAssumedRole: false);
            else
                parent = Resolve(new SourceRequest { Region = request.Region, StsEndpoint = request.StsEndpoint });

            string region = request.Region ?? AwsSettings.ResolveRegion(null, profile);
            var spec = new AssumeRoleSpec
            {
                RoleArn = RoleArn.Parse(options.RoleArn),
                RoleSessionName = options.RoleSessionName ?? AssumeRoleSpec.DefaultSessionName(Environment.UserName, DateTime.UtcNow),
                ExternalId = string.IsNullOrEmpty(options.ExternalID) ? null : options.ExternalID,
                IsChained = parent.IsAssumedRole,
            };
            spec.Validate();
            var sts = StsClientFactory.Create(parent.Credentials, region, request.StsEndpoint ?? AwsSettings.ResolveStsEndpoint(null, profile));
            return new SourceCredentials(new AssumedRoleCredentials(sts, spec), $"profile '{profileName}' (role {options.RoleArn})", isAssumedRole: true);
        }
    }
}
