using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Numerics;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;

namespace KinesisXAcct.Bench
{
    /// <summary>
    /// A Kinesis endpoint that costs almost nothing: HTTP/1.1 keep-alive over raw sockets on 127.0.0.1,
    /// ListShards / GetShardIterator / GetRecords (and DescribeStreamSummary) answered from prepared bytes.
    /// <para>
    /// A GetRecords answer is a cached, pre-serialized block of N records (N = min(Limit, 10,000, left in
    /// the shard); built once per N) sent with a gathered write between a small prefix and suffix, so no
    /// record is serialized per call. Records are SIZE-byte printable payloads ("rec-&lt;n&gt;-..."), so the
    /// same block (and sequence numbers) repeat page after page. Iterators are "stream/shard/position";
    /// MillisBehindLatest is above zero until a shard's last page, then 0; the next call is empty (the tip),
    /// so every reader stops: the stream is finite. Signatures are not checked.
    /// </para>
    /// <para>
    /// Every GetRecords call is timed per shard: <c>X-Amz-Target: Bench.Stats</c> with <c>{"Stream":"name"}</c>
    /// returns calls, records served and the most calls any shard received within one second;
    /// <c>Bench.Reset</c> clears them.
    /// </para>
    /// </summary>
    internal sealed class PreparedServer
    {
        private const int MaxPage = 10000;
        private static readonly byte[] RecordsPrefix = Encoding.ASCII.GetBytes("{\"Records\":[");
        private static readonly byte[] HeaderEnd = Encoding.ASCII.GetBytes("\r\n\r\n");

        private readonly Dictionary<string, StreamDef> _streams = new Dictionary<string, StreamDef>(StringComparer.Ordinal);
        private readonly int _size;
        private readonly string _filler;
        private readonly ConcurrentDictionary<int, byte[]> _blocks = new ConcurrentDictionary<int, byte[]>();
        private readonly object _gate = new object();
        private readonly Dictionary<string, List<long>> _callTimes = new Dictionary<string, List<long>>(StringComparer.Ordinal);
        private readonly Dictionary<string, long> _recordsServed = new Dictionary<string, long>(StringComparer.Ordinal);

        private sealed class StreamDef
        {
            public string Name;
            public int Shards;
            public long RecordsPerShard;
        }

        private PreparedServer(int size)
        {
            _size = size;
            var rnd = new Random(42);
            const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
            var chars = new char[size + 64];
            for (int i = 0; i < chars.Length; i++) chars[i] = alphabet[rnd.Next(alphabet.Length)];
            _filler = new string(chars);
        }

        public static async Task<int> RunAsync(Options o)
        {
            var server = new PreparedServer(int.Parse(o.Opt("size", "200"), CultureInfo.InvariantCulture));
            foreach (string spec in o.All("stream"))
            {
                string[] parts = spec.Split(':');
                var def = new StreamDef
                {
                    Name = parts[0],
                    Shards = int.Parse(parts[1], CultureInfo.InvariantCulture),
                    RecordsPerShard = long.Parse(parts[2], CultureInfo.InvariantCulture),
                };
                server._streams[def.Name] = def;
            }

            server.Block(MaxPage); // the common page, ready before the first call
            var listener = new TcpListener(IPAddress.Loopback, int.Parse(o.Get("port"), CultureInfo.InvariantCulture));
            listener.Start(512);
            Console.WriteLine($"READY {((IPEndPoint)listener.LocalEndpoint).Port}");
            while (true)
            {
                Socket socket = await listener.AcceptSocketAsync();
                socket.NoDelay = true;
                _ = Task.Run(() => server.ServeAsync(socket));
            }
        }

        // ------------------------------------------------------------------ HTTP/1.1, just enough

        private async Task ServeAsync(Socket socket)
        {
            byte[] buffer = new byte[64 * 1024];
            int filled = 0;
            var segments = new List<ArraySegment<byte>>(4);
            try
            {
                while (true)
                {
                    int headerEnd;
                    while ((headerEnd = buffer.AsSpan(0, filled).IndexOf(HeaderEnd)) < 0)
                    {
                        if (filled == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2);
                        int n = await socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None);
                        if (n == 0) return;
                        filled += n;
                    }

                    string head = Encoding.ASCII.GetString(buffer, 0, headerEnd);
                    int contentLength = 0;
                    string target = null;
                    bool close = false;
                    foreach (string line in head.Split("\r\n"))
                    {
                        int colon = line.IndexOf(':');
                        if (colon <= 0) continue;
                        string name = line.Substring(0, colon).Trim();
                        string value = line.Substring(colon + 1).Trim();
                        if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)) contentLength = int.Parse(value, CultureInfo.InvariantCulture);
                        else if (name.Equals("X-Amz-Target", StringComparison.OrdinalIgnoreCase)) target = value;
                        else if (name.Equals("Connection", StringComparison.OrdinalIgnoreCase)) close = value.Equals("close", StringComparison.OrdinalIgnoreCase);
                    }

                    int bodyStart = headerEnd + HeaderEnd.Length;
                    int total = bodyStart + contentLength;
                    if (buffer.Length < total) Array.Resize(ref buffer, total);
                    while (filled < total)
                    {
                        int n = await socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None);
                        if (n == 0) return;
                        filled += n;
                    }

                    segments.Clear();
                    int status = Handle(target, buffer.AsSpan(bodyStart, contentLength), segments);
                    int length = 0;
                    foreach (var s in segments) length += s.Count;
                    string reason = status == 200 ? "OK" : "Bad Request";
                    byte[] header = Encoding.ASCII.GetBytes(
                        $"HTTP/1.1 {status} {reason}\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: {length}\r\nx-amzn-RequestId: bench\r\n\r\n");
                    segments.Insert(0, new ArraySegment<byte>(header));
                    await socket.SendAsync(segments, SocketFlags.None);

                    Buffer.BlockCopy(buffer, total, buffer, 0, filled - total);
                    filled -= total;
                    if (close) return;
                }
            }
            catch (SocketException)
            {
            }
            catch (IOException)
            {
            }
            catch (ObjectDisposedException)
            {
            }
            finally
            {
                socket.Dispose();
            }
        }

        // ------------------------------------------------------------------ the operations

        private int Handle(string target, ReadOnlySpan<byte> body, List<ArraySegment<byte>> output)
        {
            try
            {
                using (JsonDocument doc = JsonDocument.Parse(body.Length == 0 ? "{}"u8.ToArray() : body.ToArray()))
                {
                    JsonElement root = doc.RootElement;
                    switch (target)
                    {
                        case "Kinesis_20131202.ListShards": return ListShards(root, output);
                        case "Kinesis_20131202.DescribeStreamSummary": return DescribeStreamSummary(root, output);
                        case "Kinesis_20131202.GetShardIterator": return GetShardIterator(root, output);
                        case "Kinesis_20131202.GetRecords": return GetRecords(root, output);
                        case "Bench.Stats": return Stats(root, output);
                        case "Bench.Reset":
                            lock (_gate)
                            {
                                _callTimes.Clear();
                                _recordsServed.Clear();
                            }

                            return Json(output, "{}");
                        default: return Error(output, "UnknownOperationException", $"operation {target} is not served here");
                    }
                }
            }
            catch (BenchError e)
            {
                return Error(output, e.Code, e.Message);
            }
            catch (Exception e) when (e is JsonException || e is FormatException || e is KeyNotFoundException || e is InvalidOperationException)
            {
                return Error(output, "InvalidArgumentException", e.Message);
            }
        }

        private StreamDef StreamOf(JsonElement root)
        {
            string name = root.TryGetProperty("StreamName", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
            if (name == null && root.TryGetProperty("StreamARN", out var arn) && arn.ValueKind == JsonValueKind.String)
            {
                string s = arn.GetString();
                name = s.Substring(s.LastIndexOf('/') + 1);
            }

            if (name != null && _streams.TryGetValue(name, out StreamDef def)) return def;
            throw new BenchError("ResourceNotFoundException", $"Stream {name} under account 123456789012 not found.");
        }

        private static string Arn(StreamDef s) => "arn:aws:kinesis:us-east-1:123456789012:stream/" + s.Name;

        private static string ShardId(int index) => "shardId-" + index.ToString("D12", CultureInfo.InvariantCulture);

        private int ListShards(JsonElement root, List<ArraySegment<byte>> output)
        {
            StreamDef s = StreamOf(root);
            BigInteger max = BigInteger.Pow(2, 128);
            BigInteger step = max / s.Shards;
            var sb = new StringBuilder("{\"Shards\":[");
            for (int i = 0; i < s.Shards; i++)
            {
                BigInteger start = step * i;
                BigInteger end = i == s.Shards - 1 ? max - 1 : step * (i + 1) - 1;
                if (i > 0) sb.Append(',');
                sb.Append("{\"ShardId\":\"").Append(ShardId(i))
                  .Append("\",\"HashKeyRange\":{\"StartingHashKey\":\"").Append(start.ToString(CultureInfo.InvariantCulture))
                  .Append("\",\"EndingHashKey\":\"").Append(end.ToString(CultureInfo.InvariantCulture))
                  .Append("\"},\"SequenceNumberRange\":{\"StartingSequenceNumber\":\"").Append(Sequence(0)).Append("\"}}");
            }

            sb.Append("]}");
            return Json(output, sb.ToString());
        }

        private int DescribeStreamSummary(JsonElement root, List<ArraySegment<byte>> output)
        {
            StreamDef s = StreamOf(root);
            return Json(output,
                $"{{\"StreamDescriptionSummary\":{{\"StreamName\":\"{s.Name}\",\"StreamARN\":\"{Arn(s)}\",\"StreamStatus\":\"ACTIVE\"," +
                $"\"StreamModeDetails\":{{\"StreamMode\":\"PROVISIONED\"}},\"RetentionPeriodHours\":24,\"StreamCreationTimestamp\":1700000000.0," +
                $"\"EnhancedMonitoring\":[],\"EncryptionType\":\"NONE\",\"OpenShardCount\":{s.Shards},\"ConsumerCount\":0}}}}");
        }

        private int GetShardIterator(JsonElement root, List<ArraySegment<byte>> output)
        {
            StreamDef s = StreamOf(root);
            string shardId = root.GetProperty("ShardId").GetString();
            int index = ShardIndex(s, shardId);
            string type = root.GetProperty("ShardIteratorType").GetString();
            long position = type switch
            {
                "TRIM_HORIZON" => 0,
                "LATEST" => s.RecordsPerShard,
                _ => throw new BenchError("InvalidArgumentException", $"{type} is not served here"),
            };
            return Json(output, "{\"ShardIterator\":\"" + s.Name + "/" + index.ToString(CultureInfo.InvariantCulture) + "/" +
                                position.ToString(CultureInfo.InvariantCulture) + "\"}");
        }

        private static int ShardIndex(StreamDef s, string shardId)
        {
            if (shardId != null && shardId.StartsWith("shardId-", StringComparison.Ordinal) &&
                int.TryParse(shardId.AsSpan(8), NumberStyles.None, CultureInfo.InvariantCulture, out int index) && index < s.Shards)
                return index;
            throw new BenchError("ResourceNotFoundException", $"Shard {shardId} in stream {s.Name} not found.");
        }

        private int GetRecords(JsonElement root, List<ArraySegment<byte>> output)
        {
            long now = Stopwatch.GetTimestamp();
            string iterator = root.GetProperty("ShardIterator").GetString();
            int limit = root.TryGetProperty("Limit", out var l) && l.ValueKind == JsonValueKind.Number ? l.GetInt32() : MaxPage;
            string[] parts = iterator.Split('/');
            if (parts.Length != 3 || !_streams.TryGetValue(parts[0], out StreamDef s))
                throw new BenchError("InvalidArgumentException", "Invalid ShardIterator.");
            int shard = int.Parse(parts[1], CultureInfo.InvariantCulture);
            long position = long.Parse(parts[2], CultureInfo.InvariantCulture);

            int n = (int)Math.Max(0, Math.Min(Math.Min(limit, MaxPage), s.RecordsPerShard - position));
            long next = position + n;
            long left = s.RecordsPerShard - next;
            long behind = left > 0 ? Math.Max(1, left / 4) : 0; // as if 4 records arrived per millisecond

            string key = s.Name + "/" + ShardId(shard);
            lock (_gate)
            {
                if (!_callTimes.TryGetValue(key, out var times)) _callTimes[key] = times = new List<long>();
                times.Add(now);
                _recordsServed.TryGetValue(s.Name, out long served);
                _recordsServed[s.Name] = served + n;
            }

            output.Add(new ArraySegment<byte>(RecordsPrefix));
            if (n > 0) output.Add(new ArraySegment<byte>(Block(n)));
            output.Add(new ArraySegment<byte>(Encoding.ASCII.GetBytes(
                "],\"NextShardIterator\":\"" + s.Name + "/" + shard.ToString(CultureInfo.InvariantCulture) + "/" + next.ToString(CultureInfo.InvariantCulture) +
                "\",\"MillisBehindLatest\":" + behind.ToString(CultureInfo.InvariantCulture) + "}")));
            return 200;
        }

        private int Stats(JsonElement root, List<ArraySegment<byte>> output)
        {
            string name = root.TryGetProperty("Stream", out var n) ? n.GetString() : null;
            long calls = 0, served = 0;
            int maxPerSecond = 0;
            double minGapMs = double.MaxValue;
            lock (_gate)
            {
                foreach (var entry in _callTimes)
                {
                    if (name != null && !entry.Key.StartsWith(name + "/", StringComparison.Ordinal)) continue;
                    List<long> t = entry.Value;
                    calls += t.Count;
                    int first = 0;
                    for (int i = 0; i < t.Count; i++)
                    {
                        // calls in the half-open window (t[i] - 1 s, t[i]]
                        while (t[i] - t[first] >= Stopwatch.Frequency) first++;
                        maxPerSecond = Math.Max(maxPerSecond, i - first + 1);
                        if (i > 0) minGapMs = Math.Min(minGapMs, (t[i] - t[i - 1]) * 1000.0 / Stopwatch.Frequency);
                    }
                }

                if (name != null) _recordsServed.TryGetValue(name, out served);
            }

            return Json(output, JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["calls"] = calls,
                ["records"] = served,
                ["maxCallsPerSecondPerShard"] = maxPerSecond,
                ["minGapMs"] = minGapMs == double.MaxValue ? -1 : Math.Round(minGapMs, 1),
            }));
        }

        // ------------------------------------------------------------------ prepared bytes

        /// <summary>n records, comma-separated, as they sit inside "Records":[...]; built once per n.</summary>
        private byte[] Block(int n) => _blocks.GetOrAdd(n, count =>
        {
            var sb = new StringBuilder(count * (_size * 4 / 3 + 160));
            for (int i = 0; i < count; i++)
            {
                string head = "rec-" + i.ToString("D8", CultureInfo.InvariantCulture) + "-";
                string payload = head + _filler.Substring(i % 64, Math.Max(0, _size - head.Length));
                if (i > 0) sb.Append(',');
                sb.Append("{\"SequenceNumber\":\"").Append(Sequence(i))
                  .Append("\",\"ApproximateArrivalTimestamp\":1733300000.").Append((i % 1000).ToString("D3", CultureInfo.InvariantCulture))
                  .Append(",\"Data\":\"").Append(Convert.ToBase64String(Encoding.ASCII.GetBytes(payload)))
                  .Append("\",\"PartitionKey\":\"pk-").Append((i % 1000).ToString(CultureInfo.InvariantCulture)).Append("\"}");
            }

            return Encoding.ASCII.GetBytes(sb.ToString());
        });

        private static string Sequence(long i) => "4959" + i.ToString("D52", CultureInfo.InvariantCulture);

        private static int Json(List<ArraySegment<byte>> output, string json)
        {
            output.Add(new ArraySegment<byte>(Encoding.UTF8.GetBytes(json)));
            return 200;
        }

        private static int Error(List<ArraySegment<byte>> output, string code, string message)
        {
            output.Add(new ArraySegment<byte>(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new Dictionary<string, string>
            {
                ["__type"] = code,
                ["message"] = message,
            }))));
            return 400;
        }

        private sealed class BenchError : Exception
        {
            public BenchError(string code, string message) : base(message) => Code = code;

            public string Code { get; }
        }
    }
}
