using System.Text.Json;
using KinesisXAcct.Checkpoints;
using KinesisXAcct.Reading;
using Xunit;

using static KinesisXAcct.Tests.Unit.Checkpoints.CheckpointFixtures;

namespace KinesisXAcct.Tests.Unit.Checkpoints;

/// <summary>Keeping the checkpoint in step with what the pipeline received, and where a later run resumes.</summary>
public sealed class CheckpointTrackerTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 12, 4, 16, 0, 0, TimeSpan.Zero);

    private readonly TempFolder _folder = new();
    private readonly ManualClock _clock = new(Now);

    public void Dispose() => _folder.Dispose();

    private string CheckpointPath => _folder.File("cp.json");

    private static KinesisRecord Record(string shardId, string sequenceNumber, long? subSequenceNumber = null) =>
        new("orders", shardId, sequenceNumber, subSequenceNumber, "pk", null, Now.UtcDateTime, new byte[] { 1 });

    private static StartPosition Start(string kind) => kind switch
    {
        "TrimHorizon" => StartPosition.TrimHorizon,
        "Latest" => StartPosition.Latest,
        "AtTimestamp" => StartPosition.AtTimestamp(Earlier),
        "AtSequenceNumber" => StartPosition.AtSequenceNumber(Seq1),
        "AtSequenceNumber+skip" => StartPosition.AtSequenceNumber(Seq1, skipThroughSubSequence: 2),
        "AfterSequenceNumber" => StartPosition.AfterSequenceNumber(Seq1),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    private static ShardCheckpoint Checkpoint(string kind) => kind switch
    {
        "after" => ShardCheckpoint.AfterRecord(Seq1, null),
        "after+sub0" => ShardCheckpoint.AfterRecord(Seq1, 0),
        "after+sub5" => ShardCheckpoint.AfterRecord(Seq1, 5),
        "at" => ShardCheckpoint.AtRecord(Seq1),
        "time" => ShardCheckpoint.AtTime(Earlier),
        "trimHorizon" => ShardCheckpoint.AtTrimHorizon(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>What the file on disk says about a shard (read past the lock, as another process would see it); null if not saved.</summary>
    private string Saved(string stream, string shardId)
    {
        if (!File.Exists(CheckpointPath)) return null;
        using JsonDocument json = JsonDocument.Parse(File.ReadAllBytes(CheckpointPath));
        return json.RootElement.GetProperty("streams").TryGetProperty(stream, out JsonElement shards) && shards.TryGetProperty(shardId, out JsonElement shard)
            ? JsonSerializer.Serialize(shard)
            : null;
    }

    private static string AfterJson(string sequenceNumber) => "{\"sequenceNumber\":\"" + sequenceNumber + "\"}";

    // ---- ShardStarted --------------------------------------------------------------------------------------

    [Theory]
    [InlineData("TrimHorizon", "trimHorizon")]
    [InlineData("Latest", "time 2026-12-04T15:59:55.000Z")] // the clock minus the 5 s skew margin
    [InlineData("AtTimestamp", "time 2026-12-04T09:30:15.250Z")]
    [InlineData("AtSequenceNumber", "at " + Seq1)]
    [InlineData("AtSequenceNumber+skip", "after " + Seq1 + ", sub 2")]
    [InlineData("AfterSequenceNumber", "after " + Seq1)]
    public void A_shard_the_checkpoint_does_not_know_is_recorded_at_its_start(string start, string expected)
    {
        using CheckpointFile file = CheckpointFile.Open(CheckpointPath);
        var tracker = new CheckpointTracker(file, Orders, _clock.Func);

        tracker.ShardStarted(Shard0, Start(start));

        Assert.Equal(expected, Describe.Of(file.ShardsOf(Orders)[Shard0]));
        Assert.Empty(file.ShardsOf(Audit));
    }

    [Fact]
    public void The_latest_skew_margin_is_five_seconds() => Assert.Equal(TimeSpan.FromSeconds(5), CheckpointTracker.LatestSkewMargin);

    [Theory]
    [InlineData("TrimHorizon")]
    [InlineData("AtTimestamp")]
    [InlineData("AtSequenceNumber")]
    [InlineData("AtSequenceNumber+skip")]
    [InlineData("AfterSequenceNumber")]
    public void A_recorded_start_resumes_where_it_started(string start)
    {
        using CheckpointFile file = CheckpointFile.Open(CheckpointPath);
        var tracker = new CheckpointTracker(file, Orders, _clock.Func);

        tracker.ShardStarted(Shard0, Start(start));

        Assert.Equal(Describe.Of(Start(start)), Describe.Of(file.ShardsOf(Orders)[Shard0].ResumePosition()));
    }

    [Theory]
    [InlineData("after")]
    [InlineData("after+sub5")]
    [InlineData("at")]
    [InlineData("time")]
    [InlineData("trimHorizon")]
    public void A_resumed_shard_keeps_its_entry_when_it_starts_and_nothing_is_rewritten(string kind)
    {
        using (CheckpointFile first = CheckpointFile.Open(CheckpointPath))
        {
            first.Record(Orders, Shard0, Checkpoint(kind));
            first.Save();
        }

        var longAgo = new DateTime(2020, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(CheckpointPath, longAgo);
        using CheckpointFile file = CheckpointFile.Open(CheckpointPath);
        var tracker = new CheckpointTracker(file, Orders, _clock.Func);
        StartPosition resume = file.ShardsOf(Orders)[Shard0].ResumePosition();

        tracker.ShardStarted(Shard0, resume);
        tracker.ShardStarted(Shard0, StartPosition.Latest); // whatever position it reports, the entry stands
        tracker.Flush();

        Assert.Equal(Describe.Of(Checkpoint(kind)), Describe.Of(file.ShardsOf(Orders)[Shard0]));
        Assert.Equal(longAgo, File.GetLastWriteTimeUtc(CheckpointPath));
    }

    [Fact]
    public void A_shard_known_only_in_another_stream_is_new_to_this_one()
    {
        using CheckpointFile file = CheckpointFile.Open(CheckpointPath);
        file.Record(Audit, Shard0, ShardCheckpoint.AfterRecord(Seq1, null));
        var tracker = new CheckpointTracker(file, Orders, _clock.Func);

        tracker.ShardStarted(Shard0, StartPosition.TrimHorizon);

        Assert.Equal("trimHorizon", Describe.Of(file.ShardsOf(Orders)[Shard0]));
        Assert.Equal("after " + Seq1, Describe.Of(file.ShardsOf(Audit)[Shard0]));
    }

    [Fact]
    public void Only_the_first_start_of_a_shard_in_a_run_is_recorded()
    {
        using CheckpointFile file = CheckpointFile.Open(CheckpointPath);
        var tracker = new CheckpointTracker(file, Orders, _clock.Func);

        tracker.ShardStarted(Shard0, StartPosition.TrimHorizon);
        tracker.ShardStarted(Shard0, StartPosition.AtTimestamp(Earlier));
        tracker.Delivered(Record(Shard1, Seq1));
        tracker.ShardStarted(Shard1, StartPosition.TrimHorizon); // a record came first: the shard is known

        Assert.Equal("trimHorizon", Describe.Of(file.ShardsOf(Orders)[Shard0]));
        Assert.Equal("after " + Seq1, Describe.Of(file.ShardsOf(Orders)[Shard1]));
    }

    // ---- Delivered, ShardFinished, Forget ------------------------------------------------------------------

    [Fact]
    public void Each_delivered_record_moves_its_shard_past_it()
    {
        using CheckpointFile file = CheckpointFile.Open(CheckpointPath);
        var tracker = new CheckpointTracker(file, Orders, _clock.Func);
        tracker.ShardStarted(Shard0, StartPosition.TrimHorizon);
        tracker.ShardStarted(Shard1, StartPosition.TrimHorizon);

        tracker.Delivered(Record(Shard0, Seq1));
        Assert.Equal("after " + Seq1, Describe.Of(file.ShardsOf(Orders)[Shard0]));

        tracker.Delivered(Record(Shard0, Seq2, subSequenceNumber: 0));
        Assert.Equal("after " + Seq2 + ", sub 0", Describe.Of(file.ShardsOf(Orders)[Shard0]));

        tracker.Delivered(Record(Shard0, Seq2, subSequenceNumber: 1));
        Assert.Equal("after " + Seq2 + ", sub 1", Describe.Of(file.ShardsOf(Orders)[Shard0]));

        tracker.Delivered(Record(Shard0, Seq3));
        Assert.Equal("after " + Seq3, Describe.Of(file.ShardsOf(Orders)[Shard0]));
        Assert.Equal("trimHorizon", Describe.Of(file.ShardsOf(Orders)[Shard1]));
    }

    [Theory]
    [InlineData(Seq2, "finished, after " + Seq2)]
    [InlineData(null, "finished")]
    public void A_shard_read_to_its_end_is_marked_finished(string lastSequenceNumber, string expected)
    {
        using CheckpointFile file = CheckpointFile.Open(CheckpointPath);
        var tracker = new CheckpointTracker(file, Orders, _clock.Func);
        tracker.ShardStarted(Shard0, StartPosition.TrimHorizon);
        tracker.Delivered(Record(Shard0, Seq1));

        tracker.ShardFinished(Shard0, lastSequenceNumber);
        tracker.ShardStarted(Shard0, StartPosition.TrimHorizon); // a late start does not undo it

        Assert.Equal(expected, Describe.Of(file.ShardsOf(Orders)[Shard0]));
        Assert.True(file.ShardsOf(Orders)[Shard0].Finished);
    }

    [Fact]
    public void Forget_drops_the_shard_of_this_stream_only()
    {
        using CheckpointFile file = CheckpointFile.Open(CheckpointPath);
        file.Record(Orders, Shard0, ShardCheckpoint.AfterRecord(Seq1, null));
        file.Record(Orders, Shard1, ShardCheckpoint.AfterRecord(Seq2, null));
        file.Record(Audit, Shard0, ShardCheckpoint.AfterRecord(Seq3, null));
        var tracker = new CheckpointTracker(file, Orders, _clock.Func);

        tracker.Forget(Shard0);
        tracker.Flush();

        Assert.Equal(new[] { Shard1 }, file.ShardsOf(Orders).Keys);
        Assert.Null(Saved(Orders, Shard0));
        Assert.Equal(AfterJson(Seq3), Saved(Audit, Shard0));
    }

    // ---- saving --------------------------------------------------------------------------------------------

    [Fact]
    public void SaveIfDue_saves_at_most_once_per_interval_and_Flush_saves_at_once()
    {
        using CheckpointFile file = CheckpointFile.Open(CheckpointPath);
        var tracker = new CheckpointTracker(file, Orders, _clock.Func);
        Assert.Equal(TimeSpan.FromSeconds(1), tracker.SaveInterval);

        tracker.Delivered(Record(Shard0, Seq1));
        tracker.SaveIfDue();
        Assert.Null(Saved(Orders, Shard0)); // the interval counts from the tracker's creation

        _clock.Advance(TimeSpan.FromMilliseconds(999));
        tracker.SaveIfDue();
        Assert.Null(Saved(Orders, Shard0));

        _clock.Advance(TimeSpan.FromMilliseconds(1));
        tracker.SaveIfDue();
        Assert.Equal(AfterJson(Seq1), Saved(Orders, Shard0));

        tracker.Delivered(Record(Shard0, Seq2));
        tracker.SaveIfDue();
        _clock.Advance(TimeSpan.FromMilliseconds(500));
        tracker.SaveIfDue();
        Assert.Equal(AfterJson(Seq1), Saved(Orders, Shard0));

        _clock.Advance(TimeSpan.FromMilliseconds(500));
        tracker.SaveIfDue();
        Assert.Equal(AfterJson(Seq2), Saved(Orders, Shard0));

        tracker.Delivered(Record(Shard0, Seq3));
        _clock.Advance(TimeSpan.FromMilliseconds(600));
        tracker.Flush();
        Assert.Equal(AfterJson(Seq3), Saved(Orders, Shard0));

        tracker.Delivered(Record(Shard1, Seq1));
        _clock.Advance(TimeSpan.FromMilliseconds(600)); // 1.2 s after the last periodic save, 0.6 s after the flush
        tracker.SaveIfDue(); // the flush started a new interval
        Assert.Null(Saved(Orders, Shard1));
        tracker.Flush();
        Assert.Equal(AfterJson(Seq1), Saved(Orders, Shard1));
    }

    [Theory]
    [InlineData(100, 30, 30)]
    [InlineData(250, 30, 10)]
    [InlineData(1000, 30, 3)]
    [InlineData(10_000, 30, 0)]
    public void Saves_follow_the_save_interval(int intervalMs, int ticks, int expectedSaves)
    {
        using CheckpointFile file = CheckpointFile.Open(CheckpointPath);
        var tracker = new CheckpointTracker(file, Orders, _clock.Func) { SaveInterval = TimeSpan.FromMilliseconds(intervalMs) };
        int saves = 0;
        string lastSeen = null;

        for (int i = 1; i <= ticks; i++)
        {
            _clock.Advance(TimeSpan.FromMilliseconds(100));
            tracker.Delivered(Record(Shard0, FakeSequence(i)));
            tracker.SaveIfDue();
            string seen = Saved(Orders, Shard0);
            if (seen != lastSeen) saves++;
            lastSeen = seen;
        }

        Assert.Equal(expectedSaves, saves);
    }

    private static string FakeSequence(int n) => "4959" + n.ToString("D20", System.Globalization.CultureInfo.InvariantCulture);

    // ---- ResumePosition ------------------------------------------------------------------------------------

    [Theory]
    [InlineData("after", "AFTER_SEQUENCE_NUMBER " + Seq1)]
    [InlineData("after+sub0", "AT_SEQUENCE_NUMBER " + Seq1 + " skipping through 0")]
    [InlineData("after+sub5", "AT_SEQUENCE_NUMBER " + Seq1 + " skipping through 5")]
    [InlineData("at", "AT_SEQUENCE_NUMBER " + Seq1)]
    [InlineData("time", "AT_TIMESTAMP 2026-12-04T09:30:15.250Z")]
    [InlineData("trimHorizon", "TRIM_HORIZON")]
    public void Each_position_kind_resumes_at_the_matching_start_position(string kind, string expected)
    {
        Assert.Equal(expected, Describe.Of(Checkpoint(kind).ResumePosition()));
    }
}
