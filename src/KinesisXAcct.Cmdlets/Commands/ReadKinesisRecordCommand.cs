using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Text.RegularExpressions;
using System.Text.Json;
using System.Threading.Channels;
using System.Threading.Tasks;
using KinesisXAcct.Checkpoints;
using KinesisXAcct.Commands.Completion;
using KinesisXAcct.Commands.Infrastructure;
using KinesisXAcct.Decoding;
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
        /// <summary>The payload as UTF-8 text (gzip inflated).</summary>
        Text,
        /// <summary>The payload parsed as JSON (gzip inflated), as ConvertFrom-Json would; each object carries a KinesisRecord property.</summary>
        Json,
    }

    /// <summary>
    /// Reads the records of a stream as objects: every shard in parallel, parents before children,
    /// from any starting position, to the tip or (-Follow) on and on.
    /// </summary>
    [Cmdlet(VerbsCommunications.Read, "KinesisRecord")]
    [OutputType(typeof(KinesisRecord), typeof(string))]
    public sealed class ReadKinesisRecordCommand : KinesisCmdlet
    {
        /// <summary>
        /// Batches handed from shard readers to the pipeline thread; the bound keeps memory flat. Each
        /// shard reader also holds one decoded batch while it waits, so 2 here is prefetch enough
        /// (8 kept up to 80,000 records alive for no gain in throughput: bench, memory section).
        /// </summary>
        private const int ChannelCapacity = 2;

        /// <summary>The stream to read.</summary>
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(StreamNameCompleter))]
        public string StreamName { get; set; }

        /// <summary>The stream's ARN, instead of its name.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [AllowNull]
        [AllowEmptyString]
        public string StreamArn { get; set; }

        /// <summary>Only these shards (and the shards they split or merge into). Default: every shard.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(ShardIdCompleter))]
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

        /// <summary>Record (default) emits KinesisRecord objects; Text each payload as a string; Json each payload parsed into objects.</summary>
        [Parameter]
        public KinesisRecordOutput As { get; set; } = KinesisRecordOutput.Record;

        /// <summary>Stop each shard at its first record that arrived after this time; the read ends when every shard has.</summary>
        [Parameter]
        public DateTime Until { get; set; }

        /// <summary>With -Follow: stop once no record has arrived for this long.</summary>
        [Parameter]
        public TimeSpan IdleTimeout { get; set; }

        /// <summary>A file that remembers, per shard, the last record delivered: a later run resumes right after it.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string CheckpointPath { get; set; }

        /// <summary>Do not split KPL aggregates into their user records.</summary>
        [Parameter]
        public SwitchParameter Raw { get; set; }

        private readonly List<(StreamIdentity Stream, HashSet<string> Shards)> _requests = new List<(StreamIdentity, HashSet<string>)>();
        private readonly Dictionary<string, CheckpointTracker> _trackers = new Dictionary<string, CheckpointTracker>(StringComparer.Ordinal);
        private StartPosition _start;
        private DateTimeOffset? _until;
        private CheckpointFile _checkpoint;
        private long _emitted;

        protected override void BeginProcessing() => Run(() =>
        {
            _start = ResolveStart();
            if (MyInvocation.BoundParameters.ContainsKey(nameof(Until)))
            {
                _until = AsMoment(Until);
                if (_start.Timestamp.HasValue && _until < _start.Timestamp)
                    throw KinesisXAcctException.InvalidArgument("UntilBeforeSince", $"-Until {_until:u} is before -Since {_start.Timestamp:u}: nothing could be read.");
            }

            if (MyInvocation.BoundParameters.ContainsKey(nameof(IdleTimeout)) && IdleTimeout <= TimeSpan.Zero)
                throw KinesisXAcctException.InvalidArgument("InvalidIdleTimeout", "-IdleTimeout must be a positive TimeSpan, e.g. (New-TimeSpan -Seconds 30).");

            // Lock and read the checkpoint before any call: a busy or unreadable file stops here.
            if (CheckpointPath != null) _checkpoint = CheckpointFile.Open(SessionState.Path.GetUnresolvedProviderPathFromPSPath(CheckpointPath));
        });

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
            try
            {
                using (KinesisConnection connection = OpenConnection())
                {
                    ReadAll(connection);
                }
            }
            finally
            {
                CloseCheckpoint();
            }
        });

        private void CloseCheckpoint()
        {
            if (_checkpoint == null) return;
            try
            {
                foreach (CheckpointTracker tracker in _trackers.Values) tracker.Flush();
            }
            finally
            {
                _checkpoint.Dispose();
                _checkpoint = null;
            }
        }

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

            bool stopped = false;
            DateTime lastRecordAt = DateTime.UtcNow;
            try
            {
                ChannelReader<RecordBatch> reader = channel.Reader;
                while (!stopped)
                {
                    while (!stopped && reader.TryRead(out RecordBatch batch))
                    {
                        if (batch.Records.Count > 0) lastRecordAt = DateTime.UtcNow;
                        stopped = Deliver(batch);
                        WriteMessages();
                        ShowProgress();
                    }

                    if (stopped) break;
                    Task<bool> more = reader.WaitToReadAsync(CancellationToken).AsTask();
                    while (!((IAsyncResult)more).AsyncWaitHandle.WaitOne(100))
                    {
                        WriteMessages();
                        ShowProgress();
                        if (IdleTimeout > TimeSpan.Zero && DateTime.UtcNow - lastRecordAt >= IdleTimeout)
                        {
                            WriteVerbose($"No record for {IdleTimeout}; stopping (-IdleTimeout).");
                            stopped = true;
                            break;
                        }
                    }

                    if (!stopped && !Await(more)) break;
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
                if (Messages.Progress.Shown) WriteProgress(new ProgressRecord(1, "Read-KinesisRecord", "Done") { RecordType = ProgressRecordType.Completed });
            }
        }

        /// <summary>Writes one batch to the pipeline and moves the checkpoint; true when -First is reached.</summary>
        [System.Runtime.CompilerServices.MethodImpl(Hot.Path)]
        private bool Deliver(RecordBatch batch)
        {
            _trackers.TryGetValue(batch.StreamName, out CheckpointTracker tracker);
            switch (batch.Event)
            {
                case ShardEvent.Started:
                    tracker?.ShardStarted(batch.ShardId, batch.Start);
                    tracker?.SaveIfDue();
                    break;
                case ShardEvent.Finished:
                    tracker?.ShardFinished(batch.ShardId, batch.LastSequenceNumber);
                    tracker?.SaveIfDue();
                    break;
                default:
                    foreach (KinesisRecord record in batch.Records)
                    {
                        Emit(record);
                        tracker?.Delivered(record); // after the write: a record the pipeline did not take is read again
                        tracker?.SaveIfDue();       // per record: a batch can take longer than the save interval to go through a slow pipeline
                        _emitted++;
                        if (First > 0 && _emitted >= First) return true;
                    }

                    break;
            }

            return false;
        }

        [System.Runtime.CompilerServices.MethodImpl(Hot.Path)]
        private void Emit(KinesisRecord record)
        {
            switch (As)
            {
                case KinesisRecordOutput.Text:
                    WriteObject(record.Text);
                    return;
                case KinesisRecordOutput.Json:
                    object parsed;
                    try
                    {
                        parsed = JsonToPowerShell.Parse(Payload.Unwrap(record.Data));
                    }
                    catch (JsonException e)
                    {
                        WriteError(new ErrorRecord(
                            new KinesisXAcctException("RecordPayloadNotJson", FailureKind.InvalidArgument,
                                $"Record {record.SequenceNumber}{(record.SubSequenceNumber.HasValue ? "/" + record.SubSequenceNumber : string.Empty)} of shard {record.ShardId} " +
                                $"in stream '{record.StreamName}' is not JSON ({e.Message}). Read it with -As Text or -As Record.", e),
                            "RecordPayloadNotJson", ErrorCategory.InvalidData, record));
                        return;
                    }

                    if (parsed is object[] items)
                    {
                        foreach (object item in items) WriteObject(WithRecord(item, record));
                    }
                    else
                    {
                        WriteObject(WithRecord(parsed, record));
                    }

                    return;
                default:
                    WriteObject(record);
                    return;
            }
        }

        /// <summary>The parsed payload with its record (stream, shard, sequence number, arrival time) one property away.</summary>
        private static PSObject WithRecord(object value, KinesisRecord record)
        {
            PSObject wrapped = value is PSObject ps ? ps : PSObject.AsPSObject(value ?? string.Empty);
            wrapped.Properties.Add(new PSNoteProperty("KinesisRecord", record));
            return wrapped;
        }

        /// <summary>While catching up: records read and how far the slowest shard is behind its tip.</summary>
        private void ShowProgress()
        {
            string status = Messages.Progress.Next(DateTime.UtcNow, _emitted);
            if (status != null) WriteProgress(new ProgressRecord(1, "Read-KinesisRecord", status));
        }

        private Task ReadOneAsync(KinesisConnection connection, StreamIdentity stream, HashSet<string> shards, ChannelWriter<RecordBatch> output)
        {
            var options = new ReadOptions
            {
                Stream = stream,
                ShardIds = shards,
                Start = _start,
                Follow = Follow,
                Until = _until,
                Decoder = Raw ? (IRecordDecoder)PlainRecordDecoder.Instance : KplRecordDecoder.Instance,
            };
            if (_checkpoint != null) ApplyCheckpoint(connection, options);
            return Task.Run(() => new StreamRecordReader(connection.Api, options, Messages).RunAsync(output, CancellationToken));
        }

        /// <summary>
        /// Resumes from the checkpoint: shards it has are read from after their last delivered record,
        /// finished ones are skipped (their children read from the start), shards that expired are
        /// reported and dropped. A stream it does not have yet starts where the parameters say.
        /// </summary>
        private void ApplyCheckpoint(KinesisConnection connection, ReadOptions options)
        {
            StreamIdentity stream = options.Stream;
            string arn = stream.Arn ?? Call(connection, stream, ct => connection.Api.DescribeStreamSummaryAsync(stream, ct)).StreamArn;
            var tracker = new CheckpointTracker(_checkpoint, arn);
            _trackers[stream.Display] = tracker;
            IReadOnlyDictionary<string, ShardCheckpoint> entries = _checkpoint.ShardsOf(arn);
            List<ShardDescription> shards = Call(connection, stream, ct => StreamRecordReader.ListAllShardsAsync(connection.Api, stream, ct));

            if (entries.Count > 0 && (MyInvocation.BoundParameters.ContainsKey(nameof(StartingPosition)) || Since != null || SequenceNumber != null))
                WriteWarning($"The checkpoint {_checkpoint.Path} already has positions for '{stream.Display}'; reading resumes from them, and -StartingPosition/-Since/-SequenceNumber apply only to shards the checkpoint has never seen.");

            foreach (string gone in CheckpointResume.Apply(options, entries, shards))
            {
                if (entries[gone].Finished)
                    WriteVerbose($"Shard {gone} of '{stream.Display}' was read to its end and has since expired; forgetting it.");
                else
                    WriteWarning($"Shard {gone} of '{stream.Display}' is in the checkpoint but no longer in the stream (expired out of its retention period); records it held that were not read are gone. Skipping it.");
                tracker.Forget(gone);
            }

            // Note where every starting shard begins now, not when its reader starts: a run stopped early
            // (-First, Ctrl+C, a crash) still tells the next run where the shards it never reached begin.
            CheckpointResume.RecordInitialStarts(tracker, options, shards);
            options.ListedShards = shards; // the reader need not list them again
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

        /// <summary>A DateTime as the moment it names; one of unspecified kind (Get-Date, a typed date) is local time.</summary>
        private static DateTimeOffset AsMoment(DateTime dateTime) =>
            new DateTimeOffset(dateTime.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(dateTime, DateTimeKind.Local) : dateTime);

        /// <summary>A DateTime (local or UTC) is a moment; a TimeSpan is that long ago; strings are parsed as either.</summary>
        internal static DateTimeOffset SinceToTimestamp(object since, DateTimeOffset now)
        {
            object value = since is PSObject ps ? ps.BaseObject : since;
            switch (value)
            {
                case DateTime dateTime:
                    return AsMoment(dateTime);
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
