using System;
using System.Collections.Generic;
using System.Text.RegularExpressions;
using Amazon.Runtime.CredentialManagement;
using KinesisXAcct.Errors;

namespace KinesisXAcct.Configuration
{
    /// <summary>
    /// Region and endpoint resolution as the AWS SDKs and CLI do it: an explicit value first, then
    /// the service-specific environment variable, the shared one, the profile, and the default.
    /// </summary>
    public static class AwsSettings
    {
        private static readonly Regex RegionShape = new Regex(@"^[a-z]{2,4}(-[a-z]+)+-[0-9]{1,2}\z", RegexOptions.CultureInvariant);

        public static string Env(string name)
        {
            string value = Environment.GetEnvironmentVariable(name);
            return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
        }

        /// <summary>The profile named by the parameter or by AWS_PROFILE; null when neither names one.</summary>
        public static string ProfileName(string explicitProfile) => explicitProfile ?? Env("AWS_PROFILE");

        /// <summary>Looks a profile up in the shared config and credentials files.</summary>
        public static CredentialProfile FindProfile(string profileName)
        {
            if (profileName == null) return null;
            var chain = new CredentialProfileStoreChain();
            return chain.TryGetProfile(profileName, out CredentialProfile profile) ? profile : null;
        }

        /// <summary>Like <see cref="FindProfile"/>, but a profile that was asked for must exist.</summary>
        public static CredentialProfile RequireProfile(string profileName)
        {
            if (profileName == null) return null;
            return FindProfile(profileName) ?? throw KinesisXAcctException.InvalidArgument(
                "ProfileNotFound",
                $"The AWS profile '{profileName}' is not in the shared config or credentials file " +
                $"({ConfigFilesDescription()}). Check the name, or set AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE.",
                profileName);
        }

        /// <summary>Parameter, then AWS_REGION, AWS_DEFAULT_REGION, then the profile's region.</summary>
        public static string ResolveRegion(string explicitRegion, CredentialProfile profile)
        {
            string region = explicitRegion ?? Env("AWS_REGION") ?? Env("AWS_DEFAULT_REGION") ?? profile?.Region?.SystemName;
            if (region == null)
            {
                throw KinesisXAcctException.InvalidArgument(
                    "RegionNotSpecified",
                    "No AWS region is set. Pass -Region (e.g. -Region us-east-1), set AWS_REGION, or add 'region' to your profile.");
            }

            ValidateRegion(region);
            return region;
        }

        public static void ValidateRegion(string region)
        {
            if (!RegionShape.IsMatch(region))
            {
                throw KinesisXAcctException.InvalidArgument(
                    "InvalidRegion",
                    $"'{region}' is not an AWS region name. Use a name such as us-east-1 or eu-west-2.",
                    region);
            }
        }

        /// <summary>
        /// The Kinesis endpoint: explicit value, AWS_ENDPOINT_URL_KINESIS, AWS_ENDPOINT_URL, the
        /// profile's endpoint_url, else the public regional endpoint.
        /// </summary>
        public static Uri ResolveKinesisEndpoint(string explicitEndpoint, CredentialProfile profile, string region) =>
            ParseEndpoint(explicitEndpoint ?? Env("AWS_ENDPOINT_URL_KINESIS") ?? Env("AWS_ENDPOINT_URL") ?? profile?.EndpointUrl)
            ?? new Uri($"https://kinesis.{region}.{DnsSuffix(region)}");

        /// <summary>The STS endpoint override, or null for the SDK's regional default.</summary>
        public static Uri ResolveStsEndpoint(string explicitEndpoint, CredentialProfile profile) =>
            ParseEndpoint(explicitEndpoint ?? Env("AWS_ENDPOINT_URL_STS") ?? Env("AWS_ENDPOINT_URL") ?? profile?.EndpointUrl);

        /// <summary>
        /// The role_arn values of the shared config file (AWS_CONFIG_FILE or ~/.aws/config), read as
        /// it is now: the SDK's profile store keeps the path it saw first in the process.
        /// </summary>
        public static IEnumerable<string> RoleArnsInConfigFile()
        {
            string path = Env("AWS_CONFIG_FILE")
                ?? System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".aws", "config");
            if (!System.IO.File.Exists(path)) yield break;
            foreach (string line in System.IO.File.ReadLines(path))
            {
                Match m = RoleArnLine.Match(line);
                if (m.Success) yield return m.Groups[1].Value;
            }
        }

        private static readonly Regex RoleArnLine = new Regex(@"^\s*role_arn\s*=\s*(\S+)\s*$", RegexOptions.CultureInvariant);

        /// <summary>True when the endpoint is the public regional one (no override was in effect).</summary>
        public static bool IsDefaultKinesisEndpoint(Uri endpoint, string region) =>
            endpoint != null && endpoint.Host.Equals($"kinesis.{region}.{DnsSuffix(region)}", StringComparison.OrdinalIgnoreCase);

        public static Uri ParseEndpoint(string endpoint)
        {
            if (endpoint == null) return null;
            if (!Uri.TryCreate(endpoint, UriKind.Absolute, out Uri uri) || (uri.Scheme != "https" && uri.Scheme != "http"))
            {
                throw KinesisXAcctException.InvalidArgument(
                    "InvalidEndpointUrl",
                    $"'{endpoint}' is not an http(s) URL. Pass an endpoint such as https://kinesis.us-east-1.amazonaws.com or http://127.0.0.1:4567.",
                    endpoint);
            }

            return uri;
        }

        /// <summary>The partition of a region: aws, aws-cn or aws-us-gov.</summary>
        public static string Partition(string region) =>
            region.StartsWith("cn-", StringComparison.Ordinal) ? "aws-cn"
            : region.StartsWith("us-gov-", StringComparison.Ordinal) ? "aws-us-gov"
            : "aws";

        private static string DnsSuffix(string region) => Partition(region) == "aws-cn" ? "amazonaws.com.cn" : "amazonaws.com";

        private static string ConfigFilesDescription() =>
            $"{Env("AWS_CONFIG_FILE") ?? "~/.aws/config"}, {Env("AWS_SHARED_CREDENTIALS_FILE") ?? "~/.aws/credentials"}";
    }
}
