using System;
using Amazon.Runtime;

namespace KinesisXAcct
{
    /// <summary>
    /// A connection to another account through an assumed role, as <c>Connect-KinesisRole</c>
    /// returns it. Its credentials refresh themselves before expiry; they are internal, so no view,
    /// <c>ToString()</c> or <c>ConvertTo-Json</c> can show them.
    /// </summary>
    public sealed class KinesisRoleSession
    {
        private readonly Sessions.AssumedRoleCredentials _credentials;

        internal KinesisRoleSession(string name, string roleArn, string accountId, string roleSessionName, string region,
            string sourceArn, Sessions.AssumedRoleCredentials credentials, Uri kinesisEndpoint, Uri stsEndpoint, string sourceDescription)
        {
            Name = name;
            RoleArn = roleArn;
            AccountId = accountId;
            RoleSessionName = roleSessionName;
            Region = region;
            SourceArn = sourceArn;
            _credentials = credentials;
            KinesisEndpoint = kinesisEndpoint;
            StsEndpoint = stsEndpoint;
            SourceDescription = sourceDescription;
        }

        /// <summary>The name this session is kept under in the runspace (<c>-SessionName</c>).</summary>
        public string Name { get; }
        public string RoleArn { get; }
        /// <summary>The STS identity of the session, <c>arn:aws:sts::&lt;acct&gt;:assumed-role/&lt;role&gt;/&lt;session&gt;</c>.</summary>
        public string AssumedRoleArn => _credentials.AssumedRoleArn;
        /// <summary>The account that owns the role (and, usually, the streams).</summary>
        public string AccountId { get; }
        public string RoleSessionName { get; }
        public string Region { get; }
        /// <summary>When the credentials in hand expire (UTC); they are renewed five minutes before.</summary>
        public DateTime? Expiration => _credentials.CurrentExpiration;
        /// <summary>The identity that assumed the role (from GetCallerIdentity), when it could be learned.</summary>
        public string SourceArn { get; }

        internal AWSCredentials Credentials => _credentials;
        internal Uri KinesisEndpoint { get; }
        internal Uri StsEndpoint { get; }
        internal string SourceDescription { get; }

        public override string ToString() => $"{Name}: {AssumedRoleArn ?? RoleArn} ({Region})";
    }
}
