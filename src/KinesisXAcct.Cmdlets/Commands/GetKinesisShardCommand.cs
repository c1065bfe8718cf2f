using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using KinesisXAcct.Commands.Completion;
using KinesisXAcct.Commands.Infrastructure;
using KinesisXAcct.Errors;
using KinesisXAcct.Kinesis;
using KinesisXAcct.Reading;
using KinesisXAcct.Sessions;

namespace KinesisXAcct.Commands
{
    /// <summary>Lists every shard of a stream, open and closed, with its lineage (parents) and ranges.</summary>
    [Cmdlet(VerbsCommon.Get, "KinesisShard")]
    [OutputType(typeof(KinesisShard))]
    public sealed class GetKinesisShardCommand : KinesisCmdlet
    {
        /// <summary>The stream whose shards to list.</summary>
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(StreamNameCompleter))]
        public string StreamName { get; set; }

        /// <summary>The stream's ARN, instead of its name.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [AllowNull]
        [AllowEmptyString]
        public string StreamArn { get; set; }

        /// <summary>Only these shards.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(ShardIdCompleter))]
        public string[] ShardId { get; set; }

        /// <summary>Only shards that still take new records.</summary>
        [Parameter]
        public SwitchParameter Open { get; set; }

        private KinesisConnection _connection;

        protected override void ProcessRecord() => Run(() =>
        {
            StreamIdentity stream = StreamFrom(StreamName, string.IsNullOrEmpty(StreamArn) ? null : StreamArn);
            _connection = _connection ?? OpenConnection();
            List<ShardDescription> shards = Call(_connection, stream, ct => StreamRecordReader.ListAllShardsAsync(_connection.Api, stream, ct));

            foreach (string wanted in ShardId ?? new string[0])
            {
                if (!shards.Any(s => s.ShardId == wanted))
                {
                    WriteFailure(new KinesisXAcctException(
                        "ShardNotFound", FailureKind.NotFound,
                        $"Stream '{stream.Display}' has no shard {wanted}; its shards are {string.Join(", ", shards.Select(s => s.ShardId))}.") { Target = wanted });
                }
            }

            string arn = stream.Arn ?? StreamArnFor(stream.Name);
            foreach (ShardDescription s in shards)
            {
                if (ShardId != null && !ShardId.Contains(s.ShardId)) continue;
                var shard = new KinesisShard(stream.Name, arn, s.ShardId, s.ParentShardId, s.AdjacentParentShardId, s.StartingHashKey,
                    s.EndingHashKey, s.StartingSequenceNumber, s.EndingSequenceNumber);
                if (Open && !shard.IsOpen) continue;
                WriteObject(shard);
            }
        });

        protected override void EndProcessing() => _connection?.Dispose();

        /// <summary>ListShards does not return the ARN; it follows from partition, region and account when the account is known.</summary>
        private string StreamArnFor(string name) =>
            _connection.AccountId == null ? null
            : $"arn:{Configuration.AwsSettings.Partition(_connection.Region)}:kinesis:{_connection.Region}:{_connection.AccountId}:stream/{name}";
    }
}
