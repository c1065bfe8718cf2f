using Amazon.Runtime;

namespace KinesisXAcct.Sessions
{
    /// <summary>The credentials a role is assumed with, and a description for messages (never the keys).</summary>
    public sealed class SourceCredentials
    {
        public SourceCredentials(AWSCredentials credentials, string description, bool isAssumedRole)
        {
            Credentials = credentials;
            Description = description;
            IsAssumedRole = isAssumedRole;
        }

        public AWSCredentials Credentials { get; }

        /// <summary>e.g. "profile 'ops'", "the AWS default credential chain".</summary>
        public string Description { get; }

        /// <summary>True when these are themselves assumed-role credentials: AWS then caps a chained session at one hour.</summary>
        public bool IsAssumedRole { get; }
    }
}
