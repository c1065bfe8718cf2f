using System.Diagnostics;
using System.Globalization;
using System.Text;
using KinesisXAcct.Kinesis;

namespace KinesisXAcct.Tests.Unit.Fakes;

/// <summary>A record held by a <see cref="FakeShard"/>.</summary>
internal sealed class FakeRecord
{
    public required string ShardId { get; init; }
    public required string SequenceNumber { get; init; }
    public required string PartitionKey { get; init; }
    public required byte[] Data { get; init; }
    public required DateTimeOffset ArrivedAt { get; init; }
    public string Text => Encoding.UTF8.GetString(Data);
    public override string ToString() => $"{ShardId}/{SequenceNumber}:{Text}";
}

/// <summary>One shard of the in-memory stream.</summary>
internal sealed class FakeShard
{
    public required string ShardId { get; init; }
    public string ParentShardId { get; init; }
    public string AdjacentParentShardId { get; init; }

    /// <summary>Closed shards take no more records; their end is reported by a null NextShardIterator (outside moto mode).</summary>
    public bool IsClosed { get; set; }

    /// <summary>False: ListShards does not return it; it is found only through a parent's ChildShards.</summary>
    public bool Listed { get; set; } = true;

    internal List<FakeRecord> Records { get; } = new();
    internal int GetRecordsCalls;
    internal int Epoch;
    internal int ThrottleRemaining;
    internal int EmptyWhileBehindRemaining;
    internal readonly HashSet<int> ExpireOnCalls = new();
    internal readonly Dictionary<int, (string Code, Action<FakeKinesis> Meanwhile)> FailOnCalls = new();

    public IEnumerable<string> Parents => new[] { ParentShardId, AdjacentParentShardId }.Where(p => p != null);
}

/// <summary>One call the fake answered (or refused), in the order the calls arrived.</summary>
internal sealed record ApiCall(
    long Order,
    TimeSpan At,
    string Operation,
    string ShardId,
    ShardIteratorType? IteratorType = null,
    string SequenceNumber = null,
    DateTimeOffset? Timestamp = null,
    int? Limit = null,
    int Returned = 0,
    string Error = null,
    bool ReachedEnd = false);

/// <summary>
/// An in-memory Kinesis stream behind <see cref="IKinesisApi"/>: shards with lineage and records,
/// opaque iterators (shard, position, epoch), GetRecords honouring Limit with MillisBehindLatest and
/// ChildShards like the service, plus knobs to inject throttling, iterator expiry, failures, gaps and
/// moto's habit of never ending a closed shard. Every call is logged with its time.
/// Thread-safe: shard readers call it in parallel.
/// </summary>
internal sealed class FakeKinesis : IKinesisApi
{
    public static readonly DateTimeOffset BaseTime = new(2024, 5, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly object _gate = new();
    private readonly Dictionary<string, FakeShard> _shards = new(StringComparer.Ordinal);
    private readonly List<string> _order = new();
    private readonly List<ApiCall> _calls = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Dictionary<string, Queue<string>> _putRejections = new(StringComparer.Ordinal);
    private readonly List<List<PutRecordsEntry>> _putRequests = new();
    private long _sequence;
    private long _callOrder;

    public FakeKinesis(string streamName = "orders")
    {
        Stream = StreamIdentity.FromName(streamName);
    }

    public StreamIdentity Stream { get; }

    /// <summary>Like moto: a closed shard never answers with a null NextShardIterator, nor with ChildShards.</summary>
    public bool MotoMode { get; set; }

    /// <summary>How many shards one ListShards page holds (to exercise NextToken paging).</summary>
    public int ListShardsPageSize { get; set; } = 1000;

    /// <summary>Caps the records of one GetRecords answer below the Limit asked for (a size-limited answer).</summary>
    public int? MaxRecordsPerAnswer { get; set; }

    /// <summary>How long GetShardIterator takes to answer (a slow network or a busy service).</summary>
    public TimeSpan GetShardIteratorLatency { get; set; }

    /// <summary>Replaces the PutRecords answer entirely (e.g. to return the wrong number of results).</summary>
    public Func<PutRecordsRequest, PutRecordsResponse> PutRecordsOverride { get; set; }

    // ---- building the stream -------------------------------------------------------------

    public FakeShard AddShard(string shardId, string parent = null, string adjacentParent = null, bool closed = false, bool listed = true)
    {
        lock (_gate)
        {
            var shard = new FakeShard { ShardId = shardId, ParentShardId = parent, AdjacentParentShardId = adjacentParent, IsClosed = closed, Listed = listed };
            _shards.Add(shardId, shard);
            _order.Add(shardId);
            return shard;
        }
    }

    /// <summary>Adds records to a shard (also while a read runs). Each arrives one second after the one before, stream-wide.</summary>
    public IReadOnlyList<FakeRecord> Append(string shardId, params string[] texts) =>
        texts.Select(t => AppendKeyed(shardId, t, partitionKey: null)).ToList();

    public FakeRecord AppendKeyed(string shardId, string text, string partitionKey, DateTimeOffset? arrivedAt = null)
    {
        lock (_gate)
        {
            FakeShard shard = _shards[shardId];
            long n = ++_sequence;
            var record = new FakeRecord
            {
                ShardId = shardId,
                SequenceNumber = SequenceNumberOf(n),
                PartitionKey = partitionKey ?? "pk-" + text,
                Data = Encoding.UTF8.GetBytes(text),
                ArrivedAt = arrivedAt ?? BaseTime.AddSeconds(n),
            };
            shard.Records.Add(record);
            return record;
        }
    }

    /// <summary>Sequence numbers grow stream-wide and compare the same as strings and as numbers.</summary>
    public static string SequenceNumberOf(long n) => "4959" + n.ToString("D20", CultureInfo.InvariantCulture);

    public FakeShard Shard(string shardId)
    {
        lock (_gate) return _shards[shardId];
    }

    /// <summary>Closes a shard (as a split or merge does); its readers then reach its end.</summary>
    public void Close(string shardId)
    {
        lock (_gate) _shards[shardId].IsClosed = true;
    }

    public IReadOnlyList<FakeRecord> RecordsOf(string shardId)
    {
        lock (_gate) return _shards[shardId].Records.ToList();
    }

    public IReadOnlyList<FakeRecord> AllRecords
    {
        get { lock (_gate) return _order.SelectMany(id => _shards[id].Records).ToList(); }
    }

    // ---- knobs ---------------------------------------------------------------------------

    /// <summary>The first <paramref name="calls"/> GetRecords calls on the shard fail as throttled (past the client's retries).</summary>
    public void ThrottleFirstGetRecords(string shardId, int calls)
    {
        lock (_gate) _shards[shardId].ThrottleRemaining = calls;
    }

    /// <summary>The given GetRecords calls (1-based, per shard, counting refused calls) find the iterator expired; older iterators stay dead.</summary>
    public void ExpireIteratorOnGetRecords(string shardId, params int[] callNumbers)
    {
        lock (_gate) _shards[shardId].ExpireOnCalls.UnionWith(callNumbers);
    }

    /// <summary>
    /// The given GetRecords call (1-based, per shard) fails with this error code (5xx for InternalFailure and
    /// ServiceUnavailable, else 400); <paramref name="meanwhile"/> runs as it fails (e.g. records arriving during an outage).
    /// </summary>
    public void FailGetRecords(string shardId, int callNumber, string errorCode, Action<FakeKinesis> meanwhile = null)
    {
        lock (_gate) _shards[shardId].FailOnCalls[callNumber] = (errorCode, meanwhile);
    }

    /// <summary>The first <paramref name="calls"/> GetRecords answers of the shard are empty although records wait (MillisBehindLatest &gt; 0).</summary>
    public void EmptyWhileBehind(string shardId, int calls)
    {
        lock (_gate) _shards[shardId].EmptyWhileBehindRemaining = calls;
    }

    /// <summary>PutRecords rejects the entry with this partition key once per given code, in order, before accepting it.</summary>
    public void RejectPut(string partitionKey, params string[] errorCodes)
    {
        lock (_gate) _putRejections[partitionKey] = new Queue<string>(errorCodes);
    }

    // ---- what was called -----------------------------------------------------------------

    public IReadOnlyList<ApiCall> Calls
    {
        get { lock (_gate) return _calls.ToList(); }
    }

    public IReadOnlyList<ApiCall> CallsOf(string operation, string shardId = null) =>
        Calls.Where(c => c.Operation == operation && (shardId == null || c.ShardId == shardId)).ToList();

    public IReadOnlyList<ApiCall> GetRecordsCalls(string shardId = null) => CallsOf("GetRecords", shardId);

    public IReadOnlyList<ApiCall> IteratorCalls(string shardId = null) => CallsOf("GetShardIterator", shardId);

    /// <summary>The times of the GetRecords calls on one shard, in order.</summary>
    public IReadOnlyList<TimeSpan> GetRecordsTimes(string shardId) => GetRecordsCalls(shardId).Select(c => c.At).ToList();

    /// <summary>The entries of each PutRecords request, in the order sent.</summary>
    public IReadOnlyList<IReadOnlyList<PutRecordsEntry>> PutRequests
    {
        get { lock (_gate) return _putRequests.Select(r => (IReadOnlyList<PutRecordsEntry>)r.ToList()).ToList(); }
    }

    /// <param name="at">When the call arrived: taken on entry, before the fake's asynchronous hop, so timings are the caller's.</param>
    private ApiCall Log(TimeSpan at, string operation, string shardId, ShardIteratorType? type = null, string sequenceNumber = null,
        DateTimeOffset? timestamp = null, int? limit = null, int returned = 0, string error = null, bool reachedEnd = false)
    {
        var call = new ApiCall(++_callOrder, at, operation, shardId, type, sequenceNumber, timestamp, limit, returned, error, reachedEnd);
        _calls.Add(call);
        return call;
    }

    // ---- IKinesisApi ---------------------------------------------------------------------

    public async Task<ListStreamsResponse> ListStreamsAsync(ListStreamsRequest request, CancellationToken cancellationToken)
    {
        TimeSpan at = _clock.Elapsed;
        await Task.Yield();
        cancellationToken.ThrowIfCancellationRequested();
        var response = new ListStreamsResponse();
        response.Streams.Add(new StreamSummaryEntry { StreamName = Stream.Name, StreamStatus = "ACTIVE" });
        return response;
    }

    public async Task<StreamSummary> DescribeStreamSummaryAsync(StreamIdentity stream, CancellationToken cancellationToken)
    {
        TimeSpan at = _clock.Elapsed;
        await Task.Yield();
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
            return new StreamSummary { StreamName = Stream.Name, StreamStatus = "ACTIVE", OpenShardCount = _shards.Values.Count(s => !s.IsClosed) };
    }

    public async Task<ListShardsResponse> ListShardsAsync(ListShardsRequest request, CancellationToken cancellationToken)
    {
        TimeSpan at = _clock.Elapsed;
        await Task.Yield();
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            // The interface keeps the stream on later pages; the HTTP client sends the token alone.
            if (request.Stream == null && request.NextToken == null)
                throw Refuse("ListShards", "InvalidArgumentException", "Either NextToken or StreamName should be provided.", null);
            if (request.NextToken == null && request.Stream.Name != Stream.Name && request.Stream.Arn != Stream.Arn)
                throw Refuse("ListShards", "ResourceNotFoundException", $"Stream {request.Stream} not found.", null);

            int start = request.NextToken == null ? 0 : int.Parse(request.NextToken.Substring("page:".Length), CultureInfo.InvariantCulture);
            List<FakeShard> listed = _order.Select(id => _shards[id]).Where(s => s.Listed).ToList();
            var response = new ListShardsResponse();
            foreach (FakeShard shard in listed.Skip(start).Take(ListShardsPageSize))
            {
                response.Shards.Add(new ShardDescription
                {
                    ShardId = shard.ShardId,
                    ParentShardId = shard.ParentShardId,
                    AdjacentParentShardId = shard.AdjacentParentShardId,
                    StartingSequenceNumber = shard.Records.FirstOrDefault()?.SequenceNumber ?? SequenceNumberOf(0),
                    EndingSequenceNumber = shard.IsClosed ? shard.Records.LastOrDefault()?.SequenceNumber ?? SequenceNumberOf(0) : null,
                });
            }

            int next = start + ListShardsPageSize;
            if (next < listed.Count) response.NextToken = "page:" + next.ToString(CultureInfo.InvariantCulture);
            Log(at, "ListShards", null, returned: response.Shards.Count);
            return response;
        }
    }

    public async Task<string> GetShardIteratorAsync(GetShardIteratorRequest request, CancellationToken cancellationToken)
    {
        TimeSpan at = _clock.Elapsed;
        await Task.Yield();
        if (GetShardIteratorLatency > TimeSpan.Zero) await Task.Delay(GetShardIteratorLatency, cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            Log(at, "GetShardIterator", request.ShardId, request.IteratorType, request.StartingSequenceNumber, request.Timestamp);
            if (request.ShardId == null || !_shards.TryGetValue(request.ShardId, out FakeShard shard))
                throw Refuse("GetShardIterator", "ResourceNotFoundException", $"Shard {request.ShardId} does not exist.", request.ShardId);

            int position;
            switch (request.IteratorType)
            {
                case ShardIteratorType.TrimHorizon:
                    position = 0;
                    break;
                case ShardIteratorType.Latest:
                    position = shard.Records.Count;
                    break;
                case ShardIteratorType.AtTimestamp:
                    if (request.Timestamp == null) throw Refuse("GetShardIterator", "InvalidArgumentException", "Timestamp is required.", shard.ShardId);
                    position = shard.Records.FindIndex(r => r.ArrivedAt >= request.Timestamp.Value);
                    if (position < 0) position = shard.Records.Count;
                    break;
                case ShardIteratorType.AtSequenceNumber:
                case ShardIteratorType.AfterSequenceNumber:
                    int index = shard.Records.FindIndex(r => r.SequenceNumber == request.StartingSequenceNumber);
                    if (index < 0)
                        throw Refuse("GetShardIterator", "InvalidArgumentException", $"Sequence number {request.StartingSequenceNumber} is not in shard {shard.ShardId}.", shard.ShardId);
                    position = request.IteratorType == ShardIteratorType.AtSequenceNumber ? index : index + 1;
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(request), request.IteratorType, "unknown iterator type");
            }

            return IteratorFor(shard, position);
        }
    }

    public async Task<GetRecordsResponse> GetRecordsAsync(GetRecordsRequest request, CancellationToken cancellationToken)
    {
        TimeSpan at = _clock.Elapsed;
        await Task.Yield();
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            (FakeShard shard, int position, int epoch) = ParseIterator(request.ShardIterator);
            if (request.ShardId != null && request.ShardId != shard.ShardId)
                throw new InvalidOperationException($"GetRecords names shard {request.ShardId} but its iterator is for {shard.ShardId}.");

            int call = ++shard.GetRecordsCalls;
            string id = shard.ShardId;
            if (shard.ThrottleRemaining > 0)
            {
                shard.ThrottleRemaining--;
                Log(at, "GetRecords", id, limit: request.Limit, error: "ProvisionedThroughputExceededException");
                throw Refuse("GetRecords", "ProvisionedThroughputExceededException", "Rate exceeded for shard " + id, id);
            }

            if (shard.FailOnCalls.TryGetValue(call, out var failure))
            {
                Log(at, "GetRecords", id, limit: request.Limit, error: failure.Code);
                failure.Meanwhile?.Invoke(this);
                int status = failure.Code is "InternalFailure" or "ServiceUnavailable" ? 500 : 400;
                throw new KinesisServiceException("GetRecords", failure.Code, "injected failure", status, id);
            }

            if (shard.ExpireOnCalls.Contains(call))
                shard.Epoch++;

            if (epoch != shard.Epoch)
            {
                Log(at, "GetRecords", id, limit: request.Limit, error: "ExpiredIteratorException");
                throw Refuse("GetRecords", "ExpiredIteratorException", "Iterator expired.", id);
            }

            int limit = request.Limit ?? 10000;
            if (limit < 1 || limit > 10000)
                throw Refuse("GetRecords", "InvalidArgumentException", $"Limit {limit} is out of range.", id);

            var response = new GetRecordsResponse();
            if (shard.EmptyWhileBehindRemaining > 0 && position < shard.Records.Count)
            {
                shard.EmptyWhileBehindRemaining--;
                response.MillisBehindLatest = 86_400_000;
                response.NextShardIterator = IteratorFor(shard, position);
                Log(at, "GetRecords", id, limit: request.Limit);
                return response;
            }

            int take = Math.Min(limit, shard.Records.Count - position);
            if (MaxRecordsPerAnswer is int cap) take = Math.Min(take, cap);
            foreach (FakeRecord r in shard.Records.Skip(position).Take(take))
            {
                response.Records.Add(new WireRecord
                {
                    SequenceNumber = r.SequenceNumber,
                    PartitionKey = r.PartitionKey,
                    Data = r.Data,
                    ApproximateArrivalTimestamp = r.ArrivedAt,
                });
            }

            int next = position + take;
            response.MillisBehindLatest = next >= shard.Records.Count
                ? 0
                : Math.Max(1, (long)(shard.Records[^1].ArrivedAt - (next > 0 ? shard.Records[next - 1].ArrivedAt : shard.Records[0].ArrivedAt.AddSeconds(-1))).TotalMilliseconds);

            bool end = shard.IsClosed && next >= shard.Records.Count && !MotoMode;
            if (end)
            {
                response.NextShardIterator = null;
                foreach (FakeShard child in _order.Select(s => _shards[s]).Where(s => s.Parents.Contains(id)))
                {
                    var c = new ChildShard { ShardId = child.ShardId };
                    c.ParentShards.AddRange(child.Parents);
                    response.ChildShards.Add(c);
                }
            }
            else
            {
                response.NextShardIterator = IteratorFor(shard, next);
            }

            Log(at, "GetRecords", id, limit: request.Limit, returned: take, reachedEnd: end);
            return response;
        }
    }

    public async Task<PutRecordsResponse> PutRecordsAsync(PutRecordsRequest request, CancellationToken cancellationToken)
    {
        TimeSpan at = _clock.Elapsed;
        await Task.Yield();
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            _putRequests.Add(request.Records.Select(e => new PutRecordsEntry { Data = e.Data, PartitionKey = e.PartitionKey, ExplicitHashKey = e.ExplicitHashKey }).ToList());
            Log(at, "PutRecords", null, returned: request.Records.Count);
            if (PutRecordsOverride != null) return PutRecordsOverride(request);

            FakeShard target = _order.Select(id => _shards[id]).FirstOrDefault(s => !s.IsClosed) ?? AddShardUnlocked("shardId-000000000000");
            var response = new PutRecordsResponse();
            foreach (PutRecordsEntry entry in request.Records)
            {
                if (_putRejections.TryGetValue(entry.PartitionKey, out Queue<string> codes) && codes.Count > 0)
                {
                    string code = codes.Dequeue();
                    response.Records.Add(new PutRecordsResultEntry { ErrorCode = code, ErrorMessage = $"{code} for {entry.PartitionKey}" });
                    response.FailedRecordCount++;
                    continue;
                }

                long n = ++_sequence;
                var record = new FakeRecord
                {
                    ShardId = target.ShardId,
                    SequenceNumber = SequenceNumberOf(n),
                    PartitionKey = entry.PartitionKey,
                    Data = entry.Data,
                    ArrivedAt = BaseTime.AddSeconds(n),
                };
                target.Records.Add(record);
                response.Records.Add(new PutRecordsResultEntry { ShardId = target.ShardId, SequenceNumber = record.SequenceNumber });
            }

            return response;
        }
    }

    private FakeShard AddShardUnlocked(string id)
    {
        var shard = new FakeShard { ShardId = id };
        _shards.Add(id, shard);
        _order.Add(id);
        return shard;
    }

    // ---- iterators -----------------------------------------------------------------------

    private static string IteratorFor(FakeShard shard, int position) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{shard.ShardId}|{position}|{shard.Epoch}|{Guid.NewGuid():N}"));

    private (FakeShard Shard, int Position, int Epoch) ParseIterator(string iterator)
    {
        string[] parts;
        try
        {
            parts = Encoding.UTF8.GetString(Convert.FromBase64String(iterator ?? string.Empty)).Split('|');
        }
        catch (FormatException)
        {
            throw Refuse("GetRecords", "InvalidArgumentException", "Invalid ShardIterator.", null);
        }

        if (parts.Length != 4 || !_shards.TryGetValue(parts[0], out FakeShard shard))
            throw Refuse("GetRecords", "InvalidArgumentException", "Invalid ShardIterator.", null);
        return (shard, int.Parse(parts[1], CultureInfo.InvariantCulture), int.Parse(parts[2], CultureInfo.InvariantCulture));
    }

    private static KinesisServiceException Refuse(string operation, string code, string message, string target) =>
        new(operation, code, message, 400, target);
}
