using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using KinesisXAcct.Kinesis;

namespace KinesisXAcct.Writing
{
    /// <summary>The fate of one record: where it landed, or why it could not be written.</summary>
    public sealed class WriteOutcome
    {
        public WriteOutcome(OutgoingRecord record, PutRecordsResultEntry result)
        {
            Record = record;
            ShardId = result.ShardId;
            SequenceNumber = result.SequenceNumber;
            ErrorCode = result.ErrorCode;
            ErrorMessage = result.ErrorMessage;
        }

        public OutgoingRecord Record { get; }
        public string ShardId { get; }
        public string SequenceNumber { get; }
        public string ErrorCode { get; }
        public string ErrorMessage { get; }
        public bool Succeeded => ErrorCode == null;
    }

    /// <summary>
    /// Writes records with PutRecords in calls of at most 500 records and 5 MiB, in input order.
    /// A call can accept some records and reject others (throttled shards): only the rejected ones
    /// are sent again, with backoff; what still fails after the last attempt is reported per record.
    /// </summary>
    public sealed class RecordWriter
    {
        public const int MaxRecordsPerCall = 500;
        public const int MaxBytesPerCall = 5 * 1024 * 1024;

        private readonly IKinesisApi _api;
        private readonly StreamIdentity _stream;
        private readonly int _maxAttempts;
        private readonly TimeSpan _baseDelay;

        public RecordWriter(IKinesisApi api, StreamIdentity stream, int maxAttempts = 6, TimeSpan? baseDelay = null)
        {
            _api = api;
            _stream = stream;
            _maxAttempts = Math.Max(1, maxAttempts);
            _baseDelay = baseDelay ?? TimeSpan.FromMilliseconds(100);
        }

        /// <summary>Splits records into calls that respect both PutRecords limits, keeping order.</summary>
        public static IEnumerable<List<OutgoingRecord>> Batches(IEnumerable<OutgoingRecord> records)
        {
            var batch = new List<OutgoingRecord>();
            int bytes = 0;
            foreach (OutgoingRecord record in records)
            {
                if (batch.Count == MaxRecordsPerCall || (batch.Count > 0 && bytes + record.Size > MaxBytesPerCall))
                {
                    yield return batch;
                    batch = new List<OutgoingRecord>();
                    bytes = 0;
                }

                batch.Add(record);
                bytes += record.Size;
            }

            if (batch.Count > 0) yield return batch;
        }

        /// <summary>Writes one batch (already within limits); returns an outcome per record, in input order.</summary>
        public async Task<IReadOnlyList<WriteOutcome>> WriteBatchAsync(IReadOnlyList<OutgoingRecord> batch, CancellationToken cancellationToken)
        {
            var outcomes = new WriteOutcome[batch.Count];
            List<int> pending = Enumerable.Range(0, batch.Count).ToList();
            for (int attempt = 1; pending.Count > 0; attempt++)
            {
                var request = new PutRecordsRequest { Stream = _stream };
                foreach (int i in pending)
                    request.Records.Add(new PutRecordsEntry { Data = batch[i].Data, PartitionKey = batch[i].PartitionKey, ExplicitHashKey = batch[i].ExplicitHashKey });

                PutRecordsResponse response = await _api.PutRecordsAsync(request, cancellationToken).ConfigureAwait(false);
                if (response.Records.Count != pending.Count)
                    throw new KinesisServiceException("PutRecords", "UnexpectedResponse", $"{response.Records.Count} results for {pending.Count} records", 200, _stream.Display);

                var retry = new List<int>();
                for (int k = 0; k < pending.Count; k++)
                {
                    int i = pending[k];
                    PutRecordsResultEntry result = response.Records[k];
                    outcomes[i] = new WriteOutcome(batch[i], result);
                    if (result.ErrorCode != null && attempt < _maxAttempts) retry.Add(i);
                }

                pending = retry;
                if (pending.Count > 0)
                {
                    // Rejections are per-shard throttling or internal failures: back off before resending only those.
                    double factor = Math.Pow(2, attempt - 1) * (0.5 + Jitter.NextDouble() / 2);
                    await Task.Delay(TimeSpan.FromMilliseconds(_baseDelay.TotalMilliseconds * factor), cancellationToken).ConfigureAwait(false);
                }
            }

            return outcomes;
        }

        private static class Jitter
        {
            [ThreadStatic] private static Random _random;

            public static double NextDouble() => (_random ?? (_random = new Random(Guid.NewGuid().GetHashCode()))).NextDouble();
        }
    }
}
