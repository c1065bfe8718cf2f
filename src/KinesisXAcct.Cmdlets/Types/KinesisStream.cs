using System;

namespace KinesisXAcct
{
    /// <summary>A stream's summary, as <c>Get-KinesisStream</c> returns it.</summary>
    public sealed class KinesisStream
    {
        internal KinesisStream(string streamName, string streamArn, string status, string mode, int? openShardCount,
            int? retentionPeriodHours, string encryptionType, DateTime? createdAt)
        {
            StreamName = streamName;
            StreamArn = streamArn;
            Status = status;
            Mode = mode;
            OpenShardCount = openShardCount;
            RetentionPeriodHours = retentionPeriodHours;
            EncryptionType = encryptionType;
            CreatedAt = createdAt;
        }

        public string StreamName { get; }
        public string StreamArn { get; }
        /// <summary>CREATING, ACTIVE, UPDATING or DELETING.</summary>
        public string Status { get; }
        /// <summary>PROVISIONED or ON_DEMAND.</summary>
        public string Mode { get; }
        public int? OpenShardCount { get; }
        public int? RetentionPeriodHours { get; }
        /// <summary>NONE or KMS.</summary>
        public string EncryptionType { get; }
        /// <summary>UTC.</summary>
        public DateTime? CreatedAt { get; }

        public override string ToString() => StreamName;
    }
}
