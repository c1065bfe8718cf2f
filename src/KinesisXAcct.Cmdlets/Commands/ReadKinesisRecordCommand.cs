using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using System.Threading.Tasks;
using KinesisXAcct.Commands.Infrastructure;
using KinesisXAcct.Errors;
using KinesisXAcct.Kinesis;
using KinesisXAcct.Reading;
using KinesisXAcct.Sessions;

namespace KinesisXAcct.Commands
{
    /// <summary>Where reading starts, as the user names it.</summary>
    public enum KinesisStartingPosition
    {
        TrimHorizon,
        Latest,
        AtTimestamp,
        AtSequenceNumber,
        AfterSequenceNumber,
    }

    /// <summary>What each record is emitted as.</summary>
    public enum KinesisRecordOutput
    {
        /// <summary>A KinesisRecord object (payload bytes, text and metadata).</summary>
        Record,
        /// <summary>The payload as UTF-8 text.</summary>
        Text,
    }

    /// <summary>
    /// Reads the records of a stream as objects: every shard in parallel, parents before children,
    /// from any starting position, to the tip or (-Follow) on and on.
    /// </summary>
    [Cmdlet(VerbsCommunications.Read, "KinesisRecord", DefaultParameterSetName = "ByName")]
    [OutputType(typeof(KinesisRecord), typeof(string))]
    public sealed class ReadKinesisRecordCommand : KinesisCmdlet
    {
        /// <summary>Batches handed from shard readers to the pipeline thread; the bound keeps memory flat.</summary>
        private const int ChannelCapacity = 8;

        /// <summary>The stream to read.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = "ByName")]
        [ValidateNotNullOrEmpty]
        public string StreamName { get; set; }

        /// <summary>The stream's ARN, instead of its name.</summary>
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = "ByArn")]
        [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = "ByName")]
        [AllowNull]
        [AllowEmptyString]
        public string StreamArn { get; set; }

        /// <summary>Only these shards (and the shards they split or merge into). Default: every shard.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string[] ShardId { get; set; }

        /// <summary>Where to start: TrimHorizon (default), Latest (default with -Follow), AtTimestamp, AtSequenceNumber, AfterSequenceNumber.</summary>
        [Parameter]
        public KinesisStartingPosition StartingPosition { get; set; }

        /// <summary>Start at records that arrived at or after this time: a DateTime, or a TimeSpan meaning that long ago.</summary>
        [Parameter]
        public object Since { get; set; }

        /// <summary>With AtSequenceNumber or AfterSequenceNumber (and one -ShardId): the sequence number to start at or after.</summary>
        [Parameter]
        public string SequenceNumber { get; set; }

        /// <summary>Keep reading new records until Ctrl+C or -First.</summary>
        [Parameter]
        public SwitchParameter Follow { get; set; }

        /// <summary>Stop after this many records across all shards.</summary>
        [Parameter]
        [ValidateRange(1, long.MaxValue)]
        public long First { get; set; }

        /// <summary>Record (default) emits KinesisRecord objects; Text emits each payload as a string.</summary>
        [Parameter]
        public KinesisRecordOutput As { get; set; } = KinesisRecordOutput.Record;

        private readonly List<(StreamIdentity Stream, HashSet<string> Shards)> _requests = new List<(StreamIdentity, HashSet<string>)>();
        private StartPosition _start;

        protected override void BeginProcessing() => Run(() => _start = ResolveStart());

        /// <summary>Collects streams (and shards) from parameters or the pipeline; the read runs once, over all of them, at the end.</summary>
        protected override void ProcessRecord() => Run(() =>
        {
            StreamIdentity stream = StreamFrom(StreamName, string.IsNullOrEmpty(StreamArn) ? null : StreamArn);
            var entry = _requests.FirstOrDefault(r => r.Stream.Display == stream.Display);
            if (entry.Stream == null)
            {
                entry = (stream, ShardId == null ? null : new HashSet<string>(StringComparer.Ordinal));
                _requests.Add(entry);
            }

            if (ShardId != null && entry.Shards != null)
            {
                foreach (string id in ShardId) entry.Shards.Add(id);
            }

            if (_start.Type == ShardIteratorType.AtSequenceNumber || _start.Type == ShardIteratorType.AfterSequenceNumber)
            {
                if (entry.Shards == null || entry.Shards.Count != 1 || _requests.Count != 1)
                {
                    throw KinesisXAcctException.InvalidArgument(
                        "SequenceNumberNeedsOneShard",
                        "A sequence number belongs to one shard: pass exactly one -ShardId with -SequenceNumber.");
                }
            }
        });

        protected override void EndProcessing() => Run(() =>
        {
            using (KinesisConnection connection = OpenConnection())
            {
                ReadAll(connection);
            }
        });

        private void ReadAll(KinesisConnection connection)
        {
            var channel = Channel.CreateBounded<RecordBatch>(new BoundedChannelOptions(ChannelCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
            // The first stream that fails ends the read at once (the channel completes with its error);
            // otherwise the channel completes when every stream is done.
            var readers = _requests
                .Select(r => ReadOneAsync(connection, r.Stream, r.Shards, channel.Writer).ContinueWith(
                    t => { if (t.IsFaulted) channel.Writer.TryComplete(t.Exception.InnerException); },
                    System.Threading.CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default))
                .ToArray();
            Task all = Task.WhenAll(readers).ContinueWith(
                _ => channel.Writer.TryComplete(),
                System.Threading.CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

            long emitted = 0;
            bool stopped = false;
            try
            {
                ChannelReader<RecordBatch> reader = channel.Reader;
                while (!stopped && Await(reader.WaitToReadAsync(CancellationToken).AsTask()))
                {
                    while (!stopped && reader.TryRead(out RecordBatch batch))
                    {
                        foreach (KinesisRecord record in batch.Records)
                        {
                            if (As == KinesisRecordOutput.Text) WriteObject(record.Text);
                            else WriteObject(record);
                            if (First > 0 && ++emitted >= First)
                            {
                                stopped = true;
                                break;
                            }
                        }

                        WriteMessages();
                    }
                }
            }
            catch (KinesisServiceException e)
            {
                throw Await(connection.ExplainAsync(e, _requests.Count == 1 ? _requests[0].Stream : null, CancellationToken));
            }
            finally
            {
                // Stops the shard readers however the loop ended: -First reached, Select-Object -First, Ctrl+C or an error.
                CancelInFlight();
                ((IAsyncResult)all).AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(5));
            }
        }

        private Task ReadOneAsync(KinesisConnection connection, StreamIdentity stream, HashSet<string> shards, ChannelWriter<RecordBatch> output)
        {
            var options = new ReadOptions
            {
                Stream = stream,
                ShardIds = shards,
                Start = _start,
                Follow = Follow,
            };
            return Task.Run(() => new StreamRecordReader(connection.Api, options, Messages).RunAsync(output, CancellationToken));
        }

        /// <summary>Turns -StartingPosition, -Since and -SequenceNumber into one start position, rejecting contradictions before any call.</summary>
        private StartPosition ResolveStart()
        {
            bool positionGiven = MyInvocation.BoundParameters.ContainsKey(nameof(StartingPosition));
            DateTimeOffset? since = Since == null ? (DateTimeOffset?)null : SinceToTimestamp(Since, DateTimeOffset.UtcNow);

            if (since != null)
            {
                if (positionGiven && StartingPosition != KinesisStartingPosition.AtTimestamp)
                    throw Conflict($"-Since starts at a time; it cannot be combined with -StartingPosition {StartingPosition}.");
                if (SequenceNumber != null) throw Conflict("-Since and -SequenceNumber name two different starting points; pass one.");
                if (since > DateTimeOffset.UtcNow.AddSeconds(5))
                {
                    throw KinesisXAcctException.InvalidArgument(
                        "SinceIsInTheFuture", $"-Since {since:u} is in the future; no record has arrived after it yet. Use -Follow to wait for new records.");
                }

                return StartPosition.AtTimestamp(since.Value);
            }

            if (SequenceNumber != null)
            {
                if (!Regex.IsMatch(SequenceNumber, @"^\d{1,128}$"))
                    throw KinesisXAcctException.InvalidArgument("InvalidSequenceNumber", $"'{SequenceNumber}' is not a Kinesis sequence number (up to 128 digits).", SequenceNumber);
                if (!positionGiven || StartingPosition == KinesisStartingPosition.AtSequenceNumber) return StartPosition.AtSequenceNumber(SequenceNumber);
                if (StartingPosition == KinesisStartingPosition.AfterSequenceNumber) return StartPosition.AfterSequenceNumber(SequenceNumber);
                throw Conflict($"-SequenceNumber needs -StartingPosition AtSequenceNumber or AfterSequenceNumber, not {StartingPosition}.");
            }

            if (!positionGiven) return Follow ? StartPosition.Latest : StartPosition.TrimHorizon;
            switch (StartingPosition)
            {
                case KinesisStartingPosition.TrimHorizon: return StartPosition.TrimHorizon;
                case KinesisStartingPosition.Latest: return StartPosition.Latest;
                case KinesisStartingPosition.AtTimestamp:
                    throw KinesisXAcctException.InvalidArgument("TimestampRequired", "-StartingPosition AtTimestamp needs -Since <DateTime or TimeSpan>.");
                default:
                    throw KinesisXAcctException.InvalidArgument("SequenceNumberRequired", $"-StartingPosition {StartingPosition} needs -SequenceNumber and one -ShardId.");
            }
        }

        private static KinesisXAcctException Conflict(string message) =>
            KinesisXAcctException.InvalidArgument("ConflictingStartingPosition", message);

        /// <summary>A DateTime (local or UTC) is a moment; a TimeSpan is that long ago; strings are parsed as either.</summary>
        internal static DateTimeOffset SinceToTimestamp(object since, DateTimeOffset now)
        {
            object value = since is PSObject ps ? ps.BaseObject : since;
            switch (value)
            {
                case DateTime dateTime:
                    return new DateTimeOffset(dateTime.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(dateTime, DateTimeKind.Local) : dateTime);
                case DateTimeOffset offset:
                    return offset;
                case TimeSpan ago:
                    return now - ago.Duration();
                case string text when TimeSpan.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out TimeSpan parsedAgo):
                    return now - parsedAgo.Duration();
                case string text when DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeLocal, out DateTimeOffset parsed):
                    return parsed;
                default:
                    throw KinesisXAcctException.InvalidArgument(
                        "InvalidSince", $"-Since takes a DateTime such as (Get-Date).AddMinutes(-30) or a TimeSpan such as (New-TimeSpan -Minutes 30); got '{since}'.", since);
            }
        }
    }
}
