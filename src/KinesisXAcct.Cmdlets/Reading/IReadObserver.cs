namespace KinesisXAcct.Reading
{
    public enum ReadNoticeLevel
    {
        Verbose,
        Warning,
    }

    /// <summary>
    /// What a read reports besides records. Called on worker threads: the cmdlet queues these and
    /// writes them on the pipeline thread.
    /// </summary>
    public interface IReadObserver
    {
        void Notice(ReadNoticeLevel level, string message);

        /// <summary>After each GetRecords answer: how far the shard is behind its tip.</summary>
        void ShardProgress(string streamName, string shardId, long? millisBehindLatest, int recordCount);
    }

    /// <summary>An observer that ignores everything.</summary>
    public sealed class NullReadObserver : IReadObserver
    {
        public static readonly NullReadObserver Instance = new NullReadObserver();

        public void Notice(ReadNoticeLevel level, string message)
        {
        }

        public void ShardProgress(string streamName, string shardId, long? millisBehindLatest, int recordCount)
        {
        }
    }
}
