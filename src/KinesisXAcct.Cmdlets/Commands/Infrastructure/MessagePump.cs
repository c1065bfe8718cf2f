using System.Collections.Concurrent;
using KinesisXAcct.Kinesis;
using KinesisXAcct.Reading;

namespace KinesisXAcct.Commands.Infrastructure
{
    /// <summary>
    /// Collects what worker threads want to say (each AWS call, retries, read notices) so the
    /// cmdlet can write it on the pipeline thread, the only thread PowerShell lets write.
    /// </summary>
    internal sealed class MessagePump : IApiCallObserver, IReadObserver
    {
        private readonly ConcurrentQueue<(ReadNoticeLevel Level, string Text)> _queue = new ConcurrentQueue<(ReadNoticeLevel, string)>();

        public bool TryDequeue(out ReadNoticeLevel level, out string text)
        {
            bool ok = _queue.TryDequeue(out var item);
            level = item.Level;
            text = item.Text;
            return ok;
        }

        public void CallCompleted(ApiCallInfo call)
        {
            string count = call.RecordCount.HasValue ? $", {call.RecordCount} records" : string.Empty;
            string attempt = call.Attempt > 1 ? $", attempt {call.Attempt}" : string.Empty;
            _queue.Enqueue((ReadNoticeLevel.Verbose, $"{call.Operation} {call.Target}{count}: HTTP {call.StatusCode} in {call.Elapsed.TotalMilliseconds:F0} ms{attempt}"));
        }

        /// <summary>From this retry on, a call still failing is worth a warning: the user should know the endpoint struggles.</summary>
        public const int WarnFromRetry = 3;

        public void RetryScheduled(ApiRetryInfo retry) =>
            _queue.Enqueue((retry.Attempt >= WarnFromRetry ? ReadNoticeLevel.Warning : ReadNoticeLevel.Verbose,
                $"{retry.Operation} {retry.Target}: {retry.Reason}; retry {retry.Attempt} in {retry.Delay.TotalMilliseconds:F0} ms"));

        public void Notice(ReadNoticeLevel level, string message) => _queue.Enqueue((level, message));

        /// <summary>The shards' lag behind their tips, for the progress bar.</summary>
        public ReadProgress Progress { get; } = new ReadProgress();

        public void ShardProgress(string streamName, string shardId, long? millisBehindLatest, int recordCount) =>
            Progress.Update(streamName, shardId, millisBehindLatest);
    }
}
