using System.Text;
using System.Text.Json;
using KinesisXAcct.Checkpoints;
using KinesisXAcct.Errors;
using Xunit;

using static KinesisXAcct.Tests.Unit.Checkpoints.CheckpointFixtures;

namespace KinesisXAcct.Tests.Unit.Checkpoints;

/// <summary>The checkpoint file: its format, atomic saves, the lock against a second run, and refusing files that are not ours.</summary>
public sealed class CheckpointFileTests : IDisposable
{
    private const string Header = "\"format\": \"KinesisXAcct.Checkpoint\", \"version\": 1";

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string CheckpointPath => _folder.File("orders.checkpoint.json");

    private static string Valid(string streams = null) =>
        "{ " + Header + ", \"updated\": \"2026-12-04T16:00:00.000Z\", \"streams\": " + (streams ?? "{ \"" + Orders + "\": { \"" + Shard0 + "\": { \"sequenceNumber\": \"" + Seq1 + "\" } } }") + " }";

    private static KinesisXAcctException Refused(string path) => Assert.Throws<KinesisXAcctException>(() => CheckpointFile.Open(path).Dispose());

    // ---- opening -------------------------------------------------------------------------------------------

    [Fact]
    public void A_missing_file_opens_as_an_empty_checkpoint_and_is_not_created_until_something_is_saved()
    {
        using (CheckpointFile file = CheckpointFile.Open(CheckpointPath))
        {
            Assert.Equal(Path.GetFullPath(CheckpointPath), file.Path);
            Assert.False(file.HasStream(Orders));
            Assert.Empty(file.ShardsOf(Orders));
            file.Save();
        }

        Assert.False(File.Exists(CheckpointPath));
        Assert.False(File.Exists(CheckpointPath + ".tmp"));
    }

    [Fact]
    public void A_relative_path_is_opened_as_the_full_path()
    {
        string relative = Path.GetRelativePath(Environment.CurrentDirectory, CheckpointPath);

        using CheckpointFile file = CheckpointFile.Open(relative);

        Assert.Equal(CheckpointPath, file.Path);
    }

    // ---- round trip ----------------------------------------------------------------------------------------

    public static TheoryData<string, string, ShardCheckpoint, string> PositionKinds() => new()
    {
        { Orders, "shardId-000000000000", ShardCheckpoint.AfterRecord(Seq1, null), "after " + Seq1 },
        { Orders, "shardId-000000000001", ShardCheckpoint.AfterRecord(Seq2, 3), "after " + Seq2 + ", sub 3" },
        { Orders, "shardId-000000000002", ShardCheckpoint.AfterRecord(Seq2, 0), "after " + Seq2 + ", sub 0" },
        { Orders, "shardId-000000000003", ShardCheckpoint.AtRecord(Seq1), "at " + Seq1 },
        { Orders, "shardId-000000000004", ShardCheckpoint.AtTime(new DateTimeOffset(2026, 12, 4, 15, 59, 55, 123, TimeSpan.Zero)), "time 2026-12-04T15:59:55.123Z" },
        { Orders, "shardId-000000000005", ShardCheckpoint.AtTime(new DateTimeOffset(2026, 12, 4, 17, 59, 55, 7, TimeSpan.FromHours(2))), "time 2026-12-04T15:59:55.007Z" },
        { Orders, "shardId-000000000006", ShardCheckpoint.AtTrimHorizon(), "trimHorizon" },
        { Orders, "shardId-000000000007", ShardCheckpoint.Done(Seq2), "finished, after " + Seq2 },
        { Orders, "shardId-000000000008", ShardCheckpoint.Done(null), "finished" },
        // The second stream has the same shard ids with other positions: entries are keyed by stream, then shard.
        { Audit, "shardId-000000000000", ShardCheckpoint.Done(Seq1), "finished, after " + Seq1 },
        { Audit, "shardId-000000000001", ShardCheckpoint.AtTrimHorizon(), "trimHorizon" },
        { Audit, "shardId-000000000003", ShardCheckpoint.AfterRecord(Seq1, 999), "after " + Seq1 + ", sub 999" },
    };

    [Fact]
    public void Every_position_kind_of_two_streams_survives_save_and_reopen()
    {
        var rows = PositionKinds().Select(r => ((string)r[0], (string)r[1], (ShardCheckpoint)r[2], (string)r[3])).ToList();
        using (CheckpointFile file = CheckpointFile.Open(CheckpointPath))
        {
            foreach (var (stream, shard, checkpoint, _) in rows) file.Record(stream, shard, checkpoint);
            file.Save();
        }

        using CheckpointFile reopened = CheckpointFile.Open(CheckpointPath);

        Assert.True(reopened.HasStream(Orders));
        Assert.True(reopened.HasStream(Audit));
        Assert.False(reopened.HasStream("arn:aws:kinesis:us-east-1:111122223333:stream/other"));
        foreach (string stream in new[] { Orders, Audit })
        {
            var expected = rows.Where(r => r.Item1 == stream).ToDictionary(r => r.Item2, r => r.Item4);
            var actual = reopened.ShardsOf(stream).ToDictionary(e => e.Key, e => Describe.Of(e.Value));
            Assert.Equal(expected.OrderBy(e => e.Key), actual.OrderBy(e => e.Key));
        }
    }

    [Theory]
    [MemberData(nameof(PositionKinds))]
    public void Each_position_kind_reopens_as_itself(string stream, string shard, ShardCheckpoint checkpoint, string expected)
    {
        using (CheckpointFile file = CheckpointFile.Open(CheckpointPath))
        {
            file.Record(stream, shard, checkpoint);
            Assert.Equal(expected, Describe.Of(file.ShardsOf(stream)[shard]));
            file.Save();
        }

        using CheckpointFile reopened = CheckpointFile.Open(CheckpointPath);
        Assert.Equal(expected, Describe.Of(Assert.Single(reopened.ShardsOf(stream)).Value));
    }

    [Fact]
    public void The_saved_file_is_the_documented_json_format()
    {
        using (CheckpointFile file = CheckpointFile.Open(CheckpointPath))
        {
            file.Record(Orders, Shard0, ShardCheckpoint.AfterRecord(Seq1, 3));
            file.Record(Orders, Shard1, ShardCheckpoint.Done(Seq2));
            file.Record(Orders, "shardId-000000000002", ShardCheckpoint.AtTime(new DateTimeOffset(2026, 12, 4, 15, 59, 55, TimeSpan.Zero)));
            file.Record(Orders, "shardId-000000000003", ShardCheckpoint.AtTrimHorizon());
            file.Record(Orders, "shardId-000000000004", ShardCheckpoint.AtRecord(Seq2));
            file.Save();
        }

        using JsonDocument json = JsonDocument.Parse(File.ReadAllBytes(CheckpointPath));
        JsonElement root = json.RootElement;
        Assert.Equal("KinesisXAcct.Checkpoint", root.GetProperty("format").GetString());
        Assert.Equal(1, root.GetProperty("version").GetInt32());
        Assert.True(DateTimeOffset.TryParse(root.GetProperty("updated").GetString(), out _));
        JsonElement shards = root.GetProperty("streams").GetProperty(Orders);
        Assert.Equal("""{"sequenceNumber":"49590338271490256608559692538361571095921575989136588898","subSequenceNumber":3}""", Compact(shards.GetProperty(Shard0)));
        Assert.Equal("""{"finished":true,"sequenceNumber":"49590338271490256608559692540925702759324208523137515618"}""", Compact(shards.GetProperty(Shard1)));
        Assert.Equal("""{"timestamp":"2026-12-04T15:59:55.000Z"}""", Compact(shards.GetProperty("shardId-000000000002")));
        Assert.Equal("""{"trimHorizon":true}""", Compact(shards.GetProperty("shardId-000000000003")));
        Assert.Equal("""{"atSequenceNumber":"49590338271490256608559692540925702759324208523137515618"}""", Compact(shards.GetProperty("shardId-000000000004")));
    }

    private static string Compact(JsonElement e) => JsonSerializer.Serialize(e);

    [Fact]
    public void A_checkpoint_written_by_hand_with_a_utf8_byte_order_mark_is_read()
    {
        // Windows PowerShell's Set-Content/Out-File -Encoding UTF8 write a BOM; a hand-fixed checkpoint must still load.
        File.WriteAllText(CheckpointPath, Valid(), new UTF8Encoding(encoderShouldEmitUTF8Identifier: true));

        using CheckpointFile file = CheckpointFile.Open(CheckpointPath);

        Assert.Equal("after " + Seq1, Describe.Of(file.ShardsOf(Orders)[Shard0]));
    }

    [Fact]
    public void Forget_removes_a_shard_from_the_saved_file()
    {
        using (CheckpointFile file = CheckpointFile.Open(CheckpointPath))
        {
            file.Record(Orders, Shard0, ShardCheckpoint.AfterRecord(Seq1, null));
            file.Record(Orders, Shard1, ShardCheckpoint.AfterRecord(Seq2, null));
            file.Save();
            file.Forget(Orders, Shard0);
            file.Save();
        }

        using CheckpointFile reopened = CheckpointFile.Open(CheckpointPath);
        Assert.Equal(new[] { Shard1 }, reopened.ShardsOf(Orders).Keys);
    }

    // ---- atomic save ---------------------------------------------------------------------------------------

    [Fact]
    public void Saving_leaves_no_temporary_file_behind()
    {
        using CheckpointFile file = CheckpointFile.Open(CheckpointPath);
        file.Record(Orders, Shard0, ShardCheckpoint.AtTrimHorizon());
        file.Save();
        Assert.False(File.Exists(CheckpointPath + ".tmp"));

        file.Record(Orders, Shard0, ShardCheckpoint.AfterRecord(Seq1, null)); // the second save replaces an existing file
        file.Save();
        Assert.False(File.Exists(CheckpointPath + ".tmp"));
        Assert.Equal(new[] { "orders.checkpoint.json", "orders.checkpoint.json.lock" }, Directory.GetFiles(_folder.Path).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void Saving_replaces_a_checkpoint_left_by_an_earlier_run()
    {
        File.WriteAllText(CheckpointPath, Valid());
        using (CheckpointFile file = CheckpointFile.Open(CheckpointPath))
        {
            Assert.Equal("after " + Seq1, Describe.Of(file.ShardsOf(Orders)[Shard0]));
            file.Record(Orders, Shard0, ShardCheckpoint.AfterRecord(Seq2, 7));
            file.Save();
        }

        using CheckpointFile reopened = CheckpointFile.Open(CheckpointPath);
        Assert.Equal("after " + Seq2 + ", sub 7", Describe.Of(reopened.ShardsOf(Orders)[Shard0]));
        Assert.False(File.Exists(CheckpointPath + ".tmp"));
    }

    [Fact]
    public void A_stale_temporary_file_from_a_crashed_save_is_ignored_and_overwritten_by_the_next_save()
    {
        File.WriteAllText(CheckpointPath, Valid());
        byte[] before = File.ReadAllBytes(CheckpointPath);
        // A crash between writing the temporary file and renaming it: half a file, never renamed.
        File.WriteAllText(CheckpointPath + ".tmp", "{ \"format\": \"KinesisXAcct.Checkpoint\", \"version\": 1, \"streams\": { \"" + Orders);

        using (CheckpointFile file = CheckpointFile.Open(CheckpointPath))
        {
            Assert.Equal("after " + Seq1, Describe.Of(file.ShardsOf(Orders)[Shard0]));
            Assert.Equal(before, File.ReadAllBytes(CheckpointPath));

            file.Record(Orders, Shard1, ShardCheckpoint.AtTrimHorizon());
            file.Save();
        }

        Assert.False(File.Exists(CheckpointPath + ".tmp"));
        using CheckpointFile reopened = CheckpointFile.Open(CheckpointPath);
        Assert.Equal(new[] { Shard0, Shard1 }, reopened.ShardsOf(Orders).Keys.Order());
    }

    // ---- saving only what changed --------------------------------------------------------------------------

    public static TheoryData<string> NothingChanged() => new() { "just saved", "reopened", "forgot an unknown shard", "forgot a shard of an unknown stream" };

    [Theory]
    [MemberData(nameof(NothingChanged))]
    public void Save_without_changes_does_not_rewrite_the_file(string since)
    {
        var longAgo = new DateTime(2020, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        CheckpointFile file = CheckpointFile.Open(CheckpointPath);
        try
        {
            file.Record(Orders, Shard0, ShardCheckpoint.AfterRecord(Seq1, null));
            file.Save();
            if (since == "reopened")
            {
                file.Dispose();
                file = CheckpointFile.Open(CheckpointPath);
            }

            File.SetLastWriteTimeUtc(CheckpointPath, longAgo);
            byte[] before = File.ReadAllBytes(CheckpointPath);
            if (since == "forgot an unknown shard") file.Forget(Orders, Shard1);
            if (since == "forgot a shard of an unknown stream") file.Forget(Audit, Shard0);

            file.Save();

            Assert.Equal(longAgo, File.GetLastWriteTimeUtc(CheckpointPath));
            Assert.Equal(before, File.ReadAllBytes(CheckpointPath));
            Assert.False(File.Exists(CheckpointPath + ".tmp"));
        }
        finally
        {
            file.Dispose();
        }
    }

    [Fact]
    public void Save_after_a_change_rewrites_the_file()
    {
        var longAgo = new DateTime(2020, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        using CheckpointFile file = CheckpointFile.Open(CheckpointPath);
        file.Record(Orders, Shard0, ShardCheckpoint.AfterRecord(Seq1, null));
        file.Save();
        File.SetLastWriteTimeUtc(CheckpointPath, longAgo);

        file.Record(Orders, Shard0, ShardCheckpoint.AfterRecord(Seq2, null));
        file.Save();

        Assert.NotEqual(longAgo, File.GetLastWriteTimeUtc(CheckpointPath));
    }

    // ---- files that are not ours ---------------------------------------------------------------------------

    public static TheoryData<string, string> CorruptFiles()
    {
        string Shard(string body) => "{ \"" + Orders + "\": { \"" + Shard0 + "\": " + body + " } }";
        return new()
        {
            { "empty (a crash while the file was first written)", "" },
            { "not JSON", "this is not JSON" },
            { "truncated JSON", "{ " + Header + ", \"streams\": { \"" + Orders + "\": {" },
            { "a JSON array", "[ 1, 2 ]" },
            { "a JSON string", "\"KinesisXAcct.Checkpoint\"" },
            { "JSON of another format", "{ \"format\": \"SomeOtherTool.State\", \"version\": 1, \"streams\": {} }" },
            { "JSON without a format", "{ \"version\": 1, \"streams\": {} }" },
            { "format spelled in another case", "{ \"format\": \"kinesisxacct.checkpoint\", \"version\": 1, \"streams\": {} }" },
            { "format not a string", "{ \"format\": 1, \"version\": 1, \"streams\": {} }" },
            { "another format with another version", "{ \"format\": \"SomeOtherTool.State\", \"version\": 7 }" },
            { "missing streams", "{ " + Header + " }" },
            { "streams not an object", "{ " + Header + ", \"streams\": [] }" },
            { "a stream that is not an object", "{ " + Header + ", \"streams\": { \"" + Orders + "\": [] } }" },
            { "a shard that is not an object", Valid("{ \"" + Orders + "\": { \"" + Shard0 + "\": \"" + Seq1 + "\" } }") },
            { "a shard without a position", Valid(Shard("{}")) },
            { "a shard with only a sub-sequence number", Valid(Shard("{ \"subSequenceNumber\": 2 }")) },
            { "a sequence number with a letter", Valid(Shard("{ \"sequenceNumber\": \"4959x\" }")) },
            { "an empty sequence number", Valid(Shard("{ \"sequenceNumber\": \"\" }")) },
            { "a negative sequence number", Valid(Shard("{ \"sequenceNumber\": \"-1\" }")) },
            { "a sequence number of 129 digits", Valid(Shard("{ \"sequenceNumber\": \"" + new string('9', 129) + "\" }")) },
            { "a malformed atSequenceNumber", Valid(Shard("{ \"atSequenceNumber\": \"next\" }")) },
            { "a finished shard with a malformed sequence number", Valid(Shard("{ \"finished\": true, \"sequenceNumber\": \"1.5\" }")) },
            { "a timestamp that is not a time", Valid(Shard("{ \"timestamp\": \"yesterday\" }")) },
            { "a fractional sub-sequence number", Valid(Shard("{ \"sequenceNumber\": \"" + Seq1 + "\", \"subSequenceNumber\": 1.5 }")) },
        };
    }

    [Theory]
    [MemberData(nameof(CorruptFiles))]
    public void A_file_that_is_not_a_valid_checkpoint_is_refused_and_left_untouched(string what, string content)
    {
        File.WriteAllText(CheckpointPath, content, new UTF8Encoding(false));
        byte[] before = File.ReadAllBytes(CheckpointPath);
        DateTime writtenAt = File.GetLastWriteTimeUtc(CheckpointPath);

        KinesisXAcctException e = Refused(CheckpointPath);

        Assert.True(e.ErrorId == "CheckpointUnreadable", $"{what}: {e.ErrorId}: {e.Message}");
        Assert.Equal(FailureKind.InvalidArgument, e.Kind);
        Assert.Contains(Path.GetFullPath(CheckpointPath), e.Message);
        Assert.Equal(before, File.ReadAllBytes(CheckpointPath));
        Assert.Equal(writtenAt, File.GetLastWriteTimeUtc(CheckpointPath));
        Assert.False(File.Exists(CheckpointPath + ".tmp"));
        // The refused open let go of its lock: trying again gives the same answer, not "in use".
        Assert.Equal("CheckpointUnreadable", Refused(CheckpointPath).ErrorId);
    }

    [Theory]
    [InlineData("0", "version 0;")]
    [InlineData("2", "version 2;")]
    [InlineData("-1", "version -1;")]
    [InlineData("99", "version 99;")]
    [InlineData("\"1\"", "version 1;")]
    [InlineData(null, "version (none);")]
    public void A_checkpoint_of_another_format_version_is_refused_as_unsupported(string version, string named)
    {
        string content = "{ \"format\": \"KinesisXAcct.Checkpoint\", " + (version == null ? string.Empty : "\"version\": " + version + ", ") + "\"streams\": {} }";
        File.WriteAllText(CheckpointPath, content);
        byte[] before = File.ReadAllBytes(CheckpointPath);

        KinesisXAcctException e = Refused(CheckpointPath);

        Assert.Equal("CheckpointVersionUnsupported", e.ErrorId);
        Assert.Equal(FailureKind.InvalidArgument, e.Kind);
        Assert.Contains(named, e.Message);
        Assert.Equal(before, File.ReadAllBytes(CheckpointPath));
    }

    // ---- the lock ------------------------------------------------------------------------------------------

    [Fact]
    public void A_second_open_of_a_checkpoint_in_use_is_refused_until_the_first_is_disposed()
    {
        CheckpointFile first = CheckpointFile.Open(CheckpointPath);
        first.Record(Orders, Shard0, ShardCheckpoint.AtTrimHorizon());
        first.Save();

        KinesisXAcctException e = Refused(CheckpointPath);
        Assert.Equal("CheckpointInUse", e.ErrorId);
        Assert.Equal(FailureKind.ResourceBusy, e.Kind);
        Assert.Equal(CheckpointPath, e.Target);
        Assert.Contains(CheckpointPath + ".lock", e.Message);

        // The same file named another way is the same checkpoint.
        Directory.CreateDirectory(_folder.File("sub"));
        Assert.Equal("CheckpointInUse", Refused(Path.Combine(_folder.Path, "sub", "..", "orders.checkpoint.json")).ErrorId);

        first.Dispose();
        using CheckpointFile second = CheckpointFile.Open(CheckpointPath);
        Assert.Equal("trimHorizon", Describe.Of(second.ShardsOf(Orders)[Shard0]));
    }

    [Fact]
    public void Two_different_checkpoints_in_one_folder_can_be_open_at_once()
    {
        using CheckpointFile first = CheckpointFile.Open(_folder.File("a.json"));
        using CheckpointFile second = CheckpointFile.Open(_folder.File("b.json"));

        Assert.NotEqual(first.Path, second.Path);
    }

    // ---- bad paths -----------------------------------------------------------------------------------------

    [Fact]
    public void A_path_in_a_folder_that_does_not_exist_is_refused_and_no_folder_is_created()
    {
        string missing = Path.Combine(_folder.Path, "no-such-folder");

        KinesisXAcctException e = Refused(Path.Combine(missing, "cp.json"));

        Assert.Equal("CheckpointDirectoryMissing", e.ErrorId);
        Assert.Equal(FailureKind.InvalidArgument, e.Kind);
        Assert.Contains(missing, e.Message);
        Assert.False(Directory.Exists(missing));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_path_that_is_a_folder_is_refused(bool trailingSeparator)
    {
        string folder = _folder.File("looks-like-a-file.json");
        Directory.CreateDirectory(folder);

        KinesisXAcctException e = Refused(trailingSeparator ? folder + Path.DirectorySeparatorChar : folder);

        Assert.Equal("CheckpointPathIsFolder", e.ErrorId);
        Assert.Equal(FailureKind.InvalidArgument, e.Kind);
        Assert.False(File.Exists(folder + ".lock"));
    }
}
