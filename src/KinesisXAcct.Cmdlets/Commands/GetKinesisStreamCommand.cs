using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using KinesisXAcct.Commands.Completion;
using KinesisXAcct.Commands.Infrastructure;
using KinesisXAcct.Errors;
using KinesisXAcct.Kinesis;
using KinesisXAcct.Sessions;

namespace KinesisXAcct.Commands
{
    /// <summary>Lists the streams of the account (every page), or describes the named ones.</summary>
    [Cmdlet(VerbsCommon.Get, "KinesisStream", DefaultParameterSetName = "ByName")]
    [OutputType(typeof(KinesisStream))]
    public sealed class GetKinesisStreamCommand : KinesisCmdlet
    {
        private const int ParallelDescribes = 4;

        /// <summary>Stream names to describe. Default: every stream of the account and region.</summary>
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = "ByName")]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(StreamNameCompleter))]
        public string[] StreamName { get; set; }

        /// <summary>Stream ARNs to describe.</summary>
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = "ByArn")]
        [ValidateNotNullOrEmpty]
        public string[] StreamArn { get; set; }

        private KinesisConnection _connection;

        protected override void ProcessRecord() => Run(() =>
        {
            List<StreamIdentity> streams = StreamArn != null
                ? StreamArn.Select(a => StreamFrom(null, a)).ToList()
                : StreamName?.Select(n => StreamFrom(n, null)).ToList();
            _connection = _connection ?? OpenConnection();

            if (streams == null)
            {
                streams = new List<StreamIdentity>();
                var request = new ListStreamsRequest();
                while (true)
                {
                    ListStreamsResponse page = Call(_connection, null, ct => _connection.Api.ListStreamsAsync(request, ct));
                    streams.AddRange(page.Streams.Select(s => new StreamIdentity(s.StreamName, s.StreamArn)));
                    if (!page.HasMoreStreams || page.Streams.Count == 0) break;
                    request = new ListStreamsRequest { NextToken = page.NextToken };
                }
            }

            // Describe a few at a time (DescribeStreamSummary allows 20 calls/s per account); output keeps the input order.
            var gate = new SemaphoreSlim(ParallelDescribes);
            var describes = streams.Select(s => DescribeAsync(s, gate)).ToList();
            foreach (var describe in describes)
            {
                (StreamIdentity stream, StreamSummary summary, KinesisServiceException error) = Await(describe);
                if (error == null)
                {
                    WriteObject(ToOutput(summary));
                }
                else if (error.Kind == FailureKind.NotFound)
                {
                    WriteFailure(Await(_connection.ExplainAsync(error, stream, CancellationToken)));
                }
                else
                {
                    ThrowFailure(Await(_connection.ExplainAsync(error, stream, CancellationToken)));
                }
            }
        });

        protected override void EndProcessing() => _connection?.Dispose();

        private async Task<(StreamIdentity, StreamSummary, KinesisServiceException)> DescribeAsync(StreamIdentity stream, SemaphoreSlim gate)
        {
            await gate.WaitAsync(CancellationToken).ConfigureAwait(false);
            try
            {
                return (stream, await _connection.Api.DescribeStreamSummaryAsync(stream, CancellationToken).ConfigureAwait(false), null);
            }
            catch (KinesisServiceException e)
            {
                return (stream, null, e);
            }
            finally
            {
                gate.Release();
            }
        }

        private static KinesisStream ToOutput(StreamSummary s) =>
            new KinesisStream(s.StreamName, s.StreamArn, s.StreamStatus, s.StreamMode, s.OpenShardCount, s.RetentionPeriodHours,
                s.EncryptionType, s.StreamCreationTimestamp?.UtcDateTime);
    }
}
