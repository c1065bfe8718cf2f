using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text.Json;
using KinesisXAcct.Errors;

namespace KinesisXAcct.Checkpoints
{
    /// <summary>
    /// A checkpoint file: per stream ARN and shard id, how far records were delivered. Opening it
    /// takes an exclusive lock (a second run on the same file fails fast); saving writes a temporary
    /// file and renames it over the old one, so a crash leaves either the old or the new content.
    /// </summary>
    /// <remarks>
    /// Format (version 1):
    /// <code>
    /// { "format": "KinesisXAcct.Checkpoint", "version": 1, "updated": "2026-12-04T16:00:00.000Z",
    ///   "streams": { "arn:aws:kinesis:us-east-1:111122223333:stream/orders": {
    ///       "shardId-000000000000": { "sequenceNumber": "4960…", "subSequenceNumber": 3 },
    ///       "shardId-000000000001": { "finished": true, "sequenceNumber": "4961…" },
    ///       "shardId-000000000002": { "timestamp": "2026-12-04T15:59:55.000Z" },
    ///       "shardId-000000000003": { "trimHorizon": true },
    ///       "shardId-000000000004": { "atSequenceNumber": "4962…" } } } }
    /// </code>
    /// </remarks>
    public sealed class CheckpointFile : IDisposable
    {
        public const string FormatName = "KinesisXAcct.Checkpoint";
        public const int Version = 1;

        private readonly Dictionary<string, Dictionary<string, ShardCheckpoint>> _streams =
            new Dictionary<string, Dictionary<string, ShardCheckpoint>>(StringComparer.Ordinal);
        private readonly FileStream _lock;
        private bool _dirty;

        private CheckpointFile(string path, FileStream lockStream)
        {
            Path = path;
            _lock = lockStream;
        }

        public string Path { get; }

        /// <summary>True when the file existed and held this stream (a resumed run).</summary>
        public bool HasStream(string streamArn) => _streams.ContainsKey(streamArn);

        /// <summary>Locks and reads the file (a missing file is an empty checkpoint). Fails without touching the file if it is not ours.</summary>
        public static CheckpointFile Open(string path)
        {
            string fullPath = System.IO.Path.GetFullPath(path);
            string directory = System.IO.Path.GetDirectoryName(fullPath);
            if (!Directory.Exists(directory))
            {
                throw KinesisXAcctException.InvalidArgument(
                    "CheckpointDirectoryMissing", $"The folder of the checkpoint file does not exist: {directory}. Create it, or choose another -CheckpointPath.", path);
            }

            if (Directory.Exists(fullPath))
                throw KinesisXAcctException.InvalidArgument("CheckpointPathIsFolder", $"-CheckpointPath {fullPath} is a folder; give a file name.", path);

            FileStream lockStream;
            try
            {
                lockStream = new FileStream(fullPath + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
            }
            catch (IOException e) when (!(e is FileNotFoundException) && !(e is DirectoryNotFoundException))
            {
                throw new KinesisXAcctException(
                    "CheckpointInUse", FailureKind.ResourceBusy,
                    $"Another Read-KinesisRecord is using the checkpoint {fullPath} (its lock file {fullPath}.lock is held). " +
                    "Wait for that run to finish; two runs on one checkpoint would deliver records twice.", e) { Target = path };
            }
            catch (UnauthorizedAccessException e)
            {
                throw KinesisXAcctException.InvalidArgument("CheckpointNotWritable", $"Cannot write next to the checkpoint {fullPath}: {e.Message}", path);
            }

            var file = new CheckpointFile(fullPath, lockStream);
            try
            {
                if (File.Exists(fullPath)) file.Load(File.ReadAllBytes(fullPath));
                return file;
            }
            catch
            {
                file.Dispose();
                throw;
            }
        }

        public IReadOnlyDictionary<string, ShardCheckpoint> ShardsOf(string streamArn) =>
            _streams.TryGetValue(streamArn, out var shards) ? shards : new Dictionary<string, ShardCheckpoint>();

        public void Record(string streamArn, string shardId, ShardCheckpoint checkpoint)
        {
            if (!_streams.TryGetValue(streamArn, out var shards))
            {
                shards = new Dictionary<string, ShardCheckpoint>(StringComparer.Ordinal);
                _streams[streamArn] = shards;
            }

            shards[shardId] = checkpoint;
            _dirty = true;
        }

        public void Forget(string streamArn, string shardId)
        {
            if (_streams.TryGetValue(streamArn, out var shards) && shards.Remove(shardId)) _dirty = true;
        }

        /// <summary>Writes the file if anything changed: temporary file, flushed to disk, then renamed over the old one.</summary>
        public void Save()
        {
            if (!_dirty) return;
            string temp = Path + ".tmp";
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
                    Write(writer);
                stream.Flush(flushToDisk: true);
            }

            if (File.Exists(Path)) File.Replace(temp, Path, null);
            else File.Move(temp, Path);
            _dirty = false;
        }

        private void Write(Utf8JsonWriter w)
        {
            w.WriteStartObject();
            w.WriteString("format", FormatName);
            w.WriteNumber("version", Version);
            w.WriteString("updated", DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));
            w.WriteStartObject("streams");
            foreach (var stream in _streams)
            {
                w.WriteStartObject(stream.Key);
                foreach (var shard in stream.Value)
                {
                    ShardCheckpoint c = shard.Value;
                    w.WriteStartObject(shard.Key);
                    if (c.Finished) w.WriteBoolean("finished", true);
                    if (c.SequenceNumber != null) w.WriteString(c.IsAtSequence ? "atSequenceNumber" : "sequenceNumber", c.SequenceNumber);
                    if (c.SubSequenceNumber.HasValue) w.WriteNumber("subSequenceNumber", c.SubSequenceNumber.Value);
                    if (c.Timestamp.HasValue) w.WriteString("timestamp", c.Timestamp.Value.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));
                    if (c.TrimHorizon) w.WriteBoolean("trimHorizon", true);
                    w.WriteEndObject();
                }

                w.WriteEndObject();
            }

            w.WriteEndObject();
            w.WriteEndObject();
        }

        private void Load(byte[] content)
        {
            try
            {
                // A hand-edited file saved by Windows PowerShell (Set-Content/Out-File -Encoding UTF8) starts with a BOM.
                ReadOnlyMemory<byte> json = content;
                if (content.Length >= 3 && content[0] == 0xEF && content[1] == 0xBB && content[2] == 0xBF) json = json.Slice(3);
                using (JsonDocument document = JsonDocument.Parse(json))
                {
                    JsonElement root = document.RootElement;
                    if (root.ValueKind != JsonValueKind.Object
                        || !root.TryGetProperty("format", out JsonElement format) || format.ValueKind != JsonValueKind.String || format.GetString() != FormatName)
                    {
                        throw Unreadable("it is not a KinesisXAcct checkpoint (no \"format\": \"" + FormatName + "\")");
                    }

                    if (!root.TryGetProperty("version", out JsonElement version) || version.ValueKind != JsonValueKind.Number || version.GetInt32() != Version)
                    {
                        throw new KinesisXAcctException(
                            "CheckpointVersionUnsupported", FailureKind.InvalidArgument,
                            $"The checkpoint {Path} has format version {(root.TryGetProperty("version", out JsonElement v) ? v.ToString() : "(none)")}; this module reads version {Version}. " +
                            "Use the module version that wrote it, or choose a new -CheckpointPath.") { Target = Path };
                    }

                    if (!root.TryGetProperty("streams", out JsonElement streams) || streams.ValueKind != JsonValueKind.Object)
                        throw Unreadable("it has no \"streams\" object");

                    foreach (JsonProperty stream in streams.EnumerateObject())
                    {
                        if (stream.Value.ValueKind != JsonValueKind.Object) throw Unreadable($"stream {stream.Name} is not an object");
                        foreach (JsonProperty shard in stream.Value.EnumerateObject())
                            Record(stream.Name, shard.Name, ReadShard(stream.Name, shard));
                    }
                }

                _dirty = false;
            }
            catch (JsonException e)
            {
                throw Unreadable("it is not valid JSON: " + e.Message);
            }
            catch (InvalidOperationException e)
            {
                throw Unreadable(e.Message);
            }
            catch (FormatException e)
            {
                throw Unreadable(e.Message);
            }
        }

        private ShardCheckpoint ReadShard(string stream, JsonProperty shard)
        {
            JsonElement e = shard.Value;
            if (e.ValueKind != JsonValueKind.Object) throw Unreadable($"shard {shard.Name} of {stream} is not an object");
            string sequence = e.TryGetProperty("sequenceNumber", out JsonElement s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
            string atSequence = e.TryGetProperty("atSequenceNumber", out JsonElement a) && a.ValueKind == JsonValueKind.String ? a.GetString() : null;
            long? sub = e.TryGetProperty("subSequenceNumber", out JsonElement ss) && ss.ValueKind == JsonValueKind.Number ? ss.GetInt64() : (long?)null;
            DateTimeOffset? time = e.TryGetProperty("timestamp", out JsonElement t) && t.ValueKind == JsonValueKind.String
                ? DateTimeOffset.Parse(t.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal)
                : (DateTimeOffset?)null;
            bool trim = e.TryGetProperty("trimHorizon", out JsonElement th) && th.ValueKind == JsonValueKind.True;
            bool finished = e.TryGetProperty("finished", out JsonElement f) && f.ValueKind == JsonValueKind.True;
            if (sequence == null && atSequence == null && time == null && !trim && !finished) throw Unreadable($"shard {shard.Name} of {stream} has no position");
            if ((sequence ?? atSequence) is string number && !IsDigits(number)) throw Unreadable($"shard {shard.Name} of {stream} has a malformed sequence number");
            return ShardCheckpoint.Create(sequence ?? atSequence, sub, time, trim, finished, isAtSequence: sequence == null && atSequence != null);
        }

        private static bool IsDigits(string s)
        {
            if (s.Length == 0 || s.Length > 128) return false;
            foreach (char c in s)
            {
                if (c < '0' || c > '9') return false;
            }

            return true;
        }

        private KinesisXAcctException Unreadable(string why) =>
            new KinesisXAcctException(
                "CheckpointUnreadable", FailureKind.InvalidArgument,
                $"The checkpoint {Path} cannot be used: {why}. It was left as it is; fix or move it, or choose another -CheckpointPath.") { Target = Path };

        public void Dispose() => _lock.Dispose();
    }
}
