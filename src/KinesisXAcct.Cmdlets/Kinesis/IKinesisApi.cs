using System.Threading;
using System.Threading.Tasks;

namespace KinesisXAcct.Kinesis
{
    /// <summary>
    /// The Kinesis operations the module uses, typed. The HTTP implementation is
    /// <see cref="KinesisHttpClient"/>; the reader and the writer only see this interface, so
    /// they are tested against fakes without HTTP. Implementations retry transient failures
    /// (throttling, 5xx, connection faults) themselves and throw <see cref="KinesisServiceException"/>
    /// for what is left.
    /// </summary>
    public interface IKinesisApi
    {
        Task<ListStreamsResponse> ListStreamsAsync(ListStreamsRequest request, CancellationToken cancellationToken);

        Task<StreamSummary> DescribeStreamSummaryAsync(StreamIdentity stream, CancellationToken cancellationToken);

        Task<ListShardsResponse> ListShardsAsync(ListShardsRequest request, CancellationToken cancellationToken);

        Task<string> GetShardIteratorAsync(GetShardIteratorRequest request, CancellationToken cancellationToken);

        Task<GetRecordsResponse> GetRecordsAsync(GetRecordsRequest request, CancellationToken cancellationToken);

        Task<PutRecordsResponse> PutRecordsAsync(PutRecordsRequest request, CancellationToken cancellationToken);
    }
}
