using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Text;
using KinesisXAcct.Commands.Completion;
using KinesisXAcct.Commands.Infrastructure;
using KinesisXAcct.Errors;
using KinesisXAcct.Kinesis;
using KinesisXAcct.Sessions;
using KinesisXAcct.Writing;

namespace KinesisXAcct.Commands
{
    /// <summary>
    /// Writes records with PutRecords in batches (at most 500 records and 5 MiB a call), sending
    /// again only the records a call rejected. Strings go as UTF-8, byte arrays as they are, other
    /// objects as compact JSON.
    /// </summary>
    [Cmdlet(VerbsCommunications.Write, "KinesisRecord", SupportsShouldProcess = true, DefaultParameterSetName = "ByName")]
    [OutputType(typeof(KinesisPutResult))]
    public sealed class WriteKinesisRecordCommand : KinesisCmdlet
    {
        /// <summary>The stream to write to.</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = "ByName")]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(StreamNameCompleter))]
        public string StreamName { get; set; }

        /// <summary>The stream's ARN, instead of its name.</summary>
        [Parameter(Mandatory = true, ParameterSetName = "ByArn")]
        [ValidateNotNullOrEmpty]
        public string StreamArn { get; set; }

        /// <summary>What to write: strings, byte arrays, or objects (written as JSON).</summary>
        [Parameter(Mandatory = true, Position = 1, ValueFromPipeline = true)]
        [AllowEmptyString]
        public object InputObject { get; set; }

        /// <summary>The partition key of every record. Without it (and -PartitionKeyProperty), each record gets a random key.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string PartitionKey { get; set; }

        /// <summary>Take each record's partition key from this property of the input object.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string PartitionKeyProperty { get; set; }

        /// <summary>Emit where each record landed (shard and sequence number).</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        private readonly List<OutgoingRecord> _pending = new List<OutgoingRecord>();
        private int _pendingBytes;
        private StreamIdentity _stream;
        private KinesisConnection _connection;
        private RecordWriter _writer;
        private ScriptBlock _toJson;

        protected override void BeginProcessing() => Run(() =>
        {
            if (PartitionKey != null && PartitionKeyProperty != null)
                throw KinesisXAcctException.InvalidArgument("PartitionKeyConflict", "Pass -PartitionKey or -PartitionKeyProperty, not both.");
            _stream = StreamFrom(StreamName, StreamArn);
            ResolveSession(); // bad session parameters fail before the first record is taken
        });

        protected override void ProcessRecord() => Run(() =>
        {
            OutgoingRecord record;
            try
            {
                record = new OutgoingRecord(Payload(InputObject), KeyFor(InputObject), source: InputObject);
            }
            catch (KinesisXAcctException e) when (e.Kind == FailureKind.InvalidArgument)
            {
                // One bad record does not stop the others: report it and go on.
                WriteFailure(e, InputObject);
                return;
            }

            if (_pending.Count == RecordWriter.MaxRecordsPerCall || _pendingBytes + record.Size > RecordWriter.MaxBytesPerCall) Flush();
            _pending.Add(record);
            _pendingBytes += record.Size;
        });

        protected override void EndProcessing() => Run(() =>
        {
            try
            {
                Flush();
            }
            finally
            {
                _connection?.Dispose();
            }
        });

        private void Flush()
        {
            if (_pending.Count == 0) return;
            var batch = new List<OutgoingRecord>(_pending);
            _pending.Clear();
            _pendingBytes = 0;
            if (!ShouldProcess($"stream '{_stream.Display}'", $"Write {batch.Count} record(s)")) return;

            _connection = _connection ?? OpenConnection();
            _writer = _writer ?? new RecordWriter(_connection.Api, _stream);
            IReadOnlyList<WriteOutcome> outcomes = Call(_connection, _stream, ct => _writer.WriteBatchAsync(batch, ct));
            foreach (WriteOutcome outcome in outcomes)
            {
                if (outcome.Succeeded)
                {
                    if (PassThru) WriteObject(new KinesisPutResult(_stream.Name, outcome.ShardId, outcome.SequenceNumber, outcome.Record.PartitionKey));
                    continue;
                }

                FailureKind kind = KinesisServiceException.KindFor(outcome.ErrorCode, 200);
                WriteFailure(new KinesisXAcctException(
                    "RecordNotWritten", kind == FailureKind.Service ? FailureKind.LimitsExceeded : kind,
                    $"A record with partition key '{outcome.Record.PartitionKey}' was not written to stream '{_stream.Display}' " +
                    $"after every retry: {outcome.ErrorCode}: {outcome.ErrorMessage}. Write it again later.") { Target = outcome.Record.Source });
            }
        }

        private byte[] Payload(object input)
        {
            object value = input is PSObject ps ? ps.BaseObject : input;
            switch (value)
            {
                case null:
                    throw KinesisXAcctException.InvalidArgument("NullRecord", "A null record cannot be written.");
                case string text:
                    return Encoding.UTF8.GetBytes(text);
                case byte[] bytes:
                    return bytes;
                default:
                    _toJson = _toJson ?? ScriptBlock.Create("param($o) ConvertTo-Json -InputObject $o -Compress -Depth 10");
                    var result = _toJson.Invoke(input);
                    return Encoding.UTF8.GetBytes(result.Count > 0 ? result[0].ToString() : "null");
            }
        }

        private string KeyFor(object input)
        {
            if (PartitionKey != null) return PartitionKey;
            if (PartitionKeyProperty == null) return Guid.NewGuid().ToString("N");

            PSPropertyInfo property = PSObject.AsPSObject(input).Properties[PartitionKeyProperty];
            string key = property?.Value?.ToString();
            if (string.IsNullOrEmpty(key))
            {
                throw KinesisXAcctException.InvalidArgument(
                    "PartitionKeyPropertyMissing",
                    $"The input object has no value in property '{PartitionKeyProperty}' to use as its partition key.", input);
            }

            return key;
        }
    }
}
