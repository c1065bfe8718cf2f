using System;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using KinesisXAcct.Configuration;
using KinesisXAcct.Errors;

namespace KinesisXAcct.Sessions
{
    /// <summary>Everything <c>Connect-KinesisRole</c> was told.</summary>
    public sealed class ConnectRequest
    {
        public string Name { get; set; } = "default";
        public AssumeRoleSpec Role { get; set; }
        public SourceRequest Source { get; set; } = new SourceRequest();
        public string Region { get; set; }
        /// <summary>Shared override for STS and Kinesis (<c>-EndpointUrl</c>).</summary>
        public string EndpointUrl { get; set; }
        public string StsEndpointUrl { get; set; }
        public string KinesisEndpointUrl { get; set; }
    }

    /// <summary>
    /// Assumes a role and returns the session. Validation happens before any call; an STS refusal
    /// is explained with the caller's identity, the role and the likely fixes.
    /// </summary>
    public sealed class RoleConnector
    {
        public delegate IAmazonSecurityTokenService StsFactory(AWSCredentials credentials, string region, Uri endpoint);

        private readonly StsFactory _stsFactory;

        public RoleConnector(StsFactory stsFactory = null)
        {
            _stsFactory = stsFactory ?? StsClientFactory.Create;
        }

        public async Task<KinesisRoleSession> ConnectAsync(ConnectRequest request, CancellationToken cancellationToken)
        {
            // Input first: nothing below may reach the network until all of this holds.
            var profile = request.Source.SourceSession == null && request.Source.AccessKey == null
                ? AwsSettings.RequireProfile(AwsSettings.ProfileName(request.Source.ProfileName))
                : null;
            string region = request.Region ?? request.Source.SourceSession?.Region;
            region = AwsSettings.ResolveRegion(region, profile);
            Uri stsEndpoint = AwsSettings.ResolveStsEndpoint(request.StsEndpointUrl ?? request.EndpointUrl, profile)
                              ?? (request.Source.SourceSession?.StsEndpoint);
            Uri kinesisEndpoint = AwsSettings.ResolveKinesisEndpoint(request.KinesisEndpointUrl ?? request.EndpointUrl, profile, region);
            if (request.KinesisEndpointUrl == null && request.EndpointUrl == null && request.Source.SourceSession != null
                && AwsSettings.Env("AWS_ENDPOINT_URL_KINESIS") == null && AwsSettings.Env("AWS_ENDPOINT_URL") == null)
            {
                kinesisEndpoint = request.Source.SourceSession.KinesisEndpoint;
            }

            request.Role.IsChained = request.Source.SourceSession != null;
            request.Role.Validate();
            request.Source.Region = region;
            request.Source.StsEndpoint = stsEndpoint;
            SourceCredentials source = SourceCredentialResolver.Resolve(request.Source);
            if (source.IsAssumedRole && !request.Role.IsChained)
            {
                request.Role.IsChained = true;
                request.Role.Validate();
            }

            IAmazonSecurityTokenService sts = _stsFactory(source.Credentials, region, stsEndpoint);
            var credentials = new AssumedRoleCredentials(sts, request.Role);
            Task<string> caller = CallerArnAsync(sts, cancellationToken);
            try
            {
                await credentials.AssumeAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (KinesisXAcctException)
            {
                throw;
            }
            catch (Exception e)
            {
                throw Explain(e, request.Role, region, stsEndpoint, source, await caller.ConfigureAwait(false));
            }

            return new KinesisRoleSession(
                request.Name, request.Role.RoleArn.Value, request.Role.RoleArn.AccountId, request.Role.RoleSessionName, region,
                await caller.ConfigureAwait(false), credentials, kinesisEndpoint, stsEndpoint, source.Description);
        }

        /// <summary>Who the source credentials are; null when STS will not say. Never throws.</summary>
        public static async Task<string> CallerArnAsync(IAmazonSecurityTokenService sts, CancellationToken cancellationToken)
        {
            try
            {
                GetCallerIdentityResponse identity = await sts.GetCallerIdentityAsync(new GetCallerIdentityRequest(), cancellationToken).ConfigureAwait(false);
                return identity.Arn;
            }
            catch (Exception)
            {
                return null;
            }
        }

        internal static KinesisXAcctException Explain(Exception e, AssumeRoleSpec role, string region, Uri stsEndpoint, SourceCredentials source, string callerArn)
        {
            string caller = callerArn ?? $"the caller ({source.Description}; GetCallerIdentity did not answer)";
            string where = $"account {role.RoleArn.AccountId}, region {region}{(stsEndpoint != null ? $", STS endpoint {stsEndpoint}" : string.Empty)}";
            string code = (e as AmazonServiceException)?.ErrorCode;
            string serviceMessage = e.Message;

            switch (code)
            {
                case "AccessDenied":
                case "AccessDeniedException":
                    string externalIdHint = role.ExternalId == null
                        ? "the role's trust policy requires an ExternalId (pass -ExternalId)"
                        : "the -ExternalId does not match the sts:ExternalId condition in the role's trust policy";
                    return new KinesisXAcctException(
                        "AssumeRoleAccessDenied",
                        FailureKind.PermissionDenied,
                        $"{caller} may not assume {role.RoleArn} ({where}). Likely causes: the role's trust policy does not " +
                        $"trust this principal or its account; {externalIdHint}; the trust policy requires MFA (pass -SerialNumber and -TokenCode); " +
                        $"or your own identity lacks sts:AssumeRole on that role ARN. STS said: {serviceMessage}", e) { Target = role.RoleArn.Value };
                case "InvalidClientTokenId":
                case "SignatureDoesNotMatch":
                case "IncompleteSignature":
                case "ExpiredToken":
                case "ExpiredTokenException":
                case "MissingAuthenticationToken":
                case "UnrecognizedClientException":
                    return new KinesisXAcctException(
                        "SourceCredentialsRejected",
                        FailureKind.Authentication,
                        $"STS rejected the source credentials ({source.Description}) with {code} while assuming {role.RoleArn} ({where}). " +
                        "Refresh or correct them (expired session token? wrong secret key? keys of another partition?) and connect again.", e) { Target = role.RoleArn.Value };
                case "RegionDisabledException":
                    return new KinesisXAcctException(
                        "StsRegionDisabled",
                        FailureKind.PermissionDenied,
                        $"STS is not activated in region {region} for account {role.RoleArn.AccountId}; activate it in IAM account settings or pass another -Region.", e);
                case "ValidationError":
                case "MalformedPolicyDocument":
                case "PackedPolicyTooLarge":
                    return new KinesisXAcctException(
                        "AssumeRoleRequestInvalid",
                        FailureKind.InvalidArgument,
                        $"STS refused the AssumeRole request for {role.RoleArn} ({where}): {serviceMessage} " +
                        "(a -DurationSeconds above the role's maximum session duration is a common cause).", e) { Target = role.RoleArn.Value };
            }

            if (code == null && (e is HttpRequestException || e.InnerException is HttpRequestException || e is AmazonClientException || e is TaskCanceledException))
            {
                return new KinesisXAcctException(
                    "StsEndpointUnreachable",
                    FailureKind.Connection,
                    $"Could not reach STS for region {region}{(stsEndpoint != null ? $" at {stsEndpoint}" : string.Empty)}: {serviceMessage}. " +
                    "Check the network, -Region, and -EndpointUrl/-StsEndpointUrl.", e);
            }

            return new KinesisXAcctException(
                "AssumeRoleFailed",
                FailureKind.Service,
                $"AssumeRole of {role.RoleArn} by {caller} failed ({where}): {code ?? e.GetType().Name}: {serviceMessage}", e) { Target = role.RoleArn.Value };
        }
    }
}
