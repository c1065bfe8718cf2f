using KinesisXAcct.Checkpoints;
using KinesisXAcct.Kinesis;
using KinesisXAcct.Reading;
using Xunit;

using static KinesisXAcct.Tests.Unit.Checkpoints.CheckpointFixtures;

namespace KinesisXAcct.Tests.Unit.Checkpoints;

/// <summary>How a run's read options are made from the checkpoint of an earlier run.</summary>
public sealed class CheckpointResumeTests : IDisposable
{

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static string S(int n) => "shardId-" + n.ToString("D12", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>One entry of each kind for shards 0–5, and two shards (8, 9) the stream no longer lists.</summary>
    private static Dictionary<string, ShardCheckpoint> Entries() => new(StringComparer.Ordinal)
    {
        [S(0)] = ShardCheckpoint.AfterRecord(Seq1, null),
        [S(1)] = ShardCheckpoint.AfterRecord(Seq2, 3),
        [S(2)] = ShardCheckpoint.Done(Seq1),
        [S(3)] = ShardCheckpoint.AtTrimHorizon(),
        [S(4)] = ShardCheckpoint.AtTime(Earlier),
        [S(5)] = ShardCheckpoint.AtRecord(Seq2),
        [S(9)] = ShardCheckpoint.AfterRecord(Seq1, null),
        [S(8)] = ShardCheckpoint.Done(Seq2),
    };

    /// <summary>Shards 0–5 and a child of shard 2 born since (6), which the checkpoint has never seen.</summary>
    private static readonly ShardDescription[] Listed =
        Enumerable.Range(0, 6).Select(n => new ShardDescription { ShardId = S(n) })
            .Append(new ShardDescription { ShardId = S(6), ParentShardId = S(2) })
            .ToArray();

    private static ShardDescription[] Open(params int[] shards) => shards.Select(n => new ShardDescription { ShardId = S(n) }).ToArray();

    private static Dictionary<string, string> StartsOf(ReadOptions options) =>
        options.ShardStarts.ToDictionary(e => e.Key, e => Describe.Of(e.Value));

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_stream_the_checkpoint_does_not_have_starts_where_the_caller_said(bool shardsSelected)
    {
        ICollection<string> selection = shardsSelected ? new HashSet<string> { S(1) } : null;
        StartPosition start = StartPosition.AtTimestamp(Earlier);
        var options = new ReadOptions { Start = start, ShardIds = selection };

        IReadOnlyList<string> expired = CheckpointResume.Apply(options, new Dictionary<string, ShardCheckpoint>(), Listed);

        Assert.Empty(expired);
        Assert.Same(start, options.Start);
        Assert.Same(selection, options.ShardIds);
        Assert.Null(options.ShardStarts);
        Assert.Null(options.FinishedShards);
    }

    [Fact]
    public void Listed_unfinished_shards_resume_finished_ones_are_skipped_and_unlisted_ones_are_handed_back_as_expired()
    {
        var options = new ReadOptions { Start = StartPosition.Latest };

        IReadOnlyList<string> expired = CheckpointResume.Apply(options, Entries(), Listed);

        Assert.Equal(new[] { S(8), S(9) }, expired);
        Assert.Equal("TRIM_HORIZON", Describe.Of(options.Start)); // shards born since: from their beginning, after their parents
        Assert.Equal(
            new Dictionary<string, string>
            {
                [S(0)] = "AFTER_SEQUENCE_NUMBER " + Seq1,
                [S(1)] = "AT_SEQUENCE_NUMBER " + Seq2 + " skipping through 3",
                [S(3)] = "TRIM_HORIZON",
                [S(4)] = "AT_TIMESTAMP 2026-12-04T09:30:15.250Z",
                [S(5)] = "AT_SEQUENCE_NUMBER " + Seq2,
            }.OrderBy(e => e.Key),
            StartsOf(options).OrderBy(e => e.Key));
        Assert.Equal(new[] { S(2) }, options.FinishedShards);
        // Shard 6 is not named: it is reached through its parent's lineage, never read from the caller's start.
        Assert.Equal(new[] { S(0), S(1), S(3), S(4), S(5) }, options.ShardIds.Order());
    }

    [Theory]
    [InlineData("Latest", "1=LATEST")]              // from LATEST a closed newcomer has nothing new
    [InlineData("TrimHorizon", "1=TRIM_HORIZON 2=TRIM_HORIZON")]
    [InlineData("AtTimestamp", "1=AT_TIMESTAMP 2026-12-04T09:30:15.250Z 2=AT_TIMESTAMP 2026-12-04T09:30:15.250Z")]
    public void Shards_the_checkpoint_has_never_seen_and_nothing_in_it_leads_to_start_where_the_caller_said(string start, string expected)
    {
        // An earlier run read only shard 0 (-ShardId); shard 1 (open) and shard 2 (closed) are new to the file, and
        // shard 3 is a child of shard 0 born since.
        var entries = new Dictionary<string, ShardCheckpoint> { [S(0)] = ShardCheckpoint.AfterRecord(Seq1, null) };
        ShardDescription[] listed =
        {
            new() { ShardId = S(0) }, new() { ShardId = S(1) }, new() { ShardId = S(2), EndingSequenceNumber = Seq2 },
            new() { ShardId = S(3), ParentShardId = S(0) },
        };
        var options = new ReadOptions { Start = StartOf(start) };

        CheckpointResume.Apply(options, entries, listed);

        Assert.Equal("AFTER_SEQUENCE_NUMBER " + Seq1, Describe.Of(options.ShardStarts[S(0)]));
        Assert.Equal(expected, string.Join(" ", options.ShardStarts.Where(e => e.Key != S(0)).OrderBy(e => e.Key, StringComparer.Ordinal)
            .Select(e => e.Key[^1] + "=" + Describe.Of(e.Value))));
        Assert.Equal(new[] { S(0) }.Concat(options.ShardStarts.Keys.Where(k => k != S(0))).Order(), options.ShardIds.Order());
        Assert.DoesNotContain(S(3), options.ShardIds); // born since shard 0: reached through it, from its beginning
        Assert.Equal("TRIM_HORIZON", Describe.Of(options.Start));
    }

    [Fact]
    public void A_newcomer_descended_from_another_newcomer_waits_for_it_rather_than_counting_as_born_since()
    {
        // Shard 1 (never seen, closed) split into shard 2: neither descends from the checkpointed shard 0.
        var entries = new Dictionary<string, ShardCheckpoint> { [S(0)] = ShardCheckpoint.AfterRecord(Seq1, null) };
        ShardDescription[] listed =
        {
            new() { ShardId = S(0) }, new() { ShardId = S(1), EndingSequenceNumber = Seq2 }, new() { ShardId = S(2), ParentShardId = S(1) },
        };
        var options = new ReadOptions { Start = StartPosition.AtTimestamp(Earlier) };

        CheckpointResume.Apply(options, entries, listed);

        Assert.Equal(new[] { S(0), S(1), S(2) }, options.ShardIds.Order());
        Assert.Equal("AT_TIMESTAMP 2026-12-04T09:30:15.250Z", Describe.Of(options.ShardStarts[S(2)]));
        var schedule = new ShardSchedule(listed, options.ShardIds, openOnly: false, options.FinishedShards);
        Assert.Equal(new[] { S(0), S(1) }, schedule.TakeReady()); // the child after its parent, as on a first run
    }

    [Fact]
    public void A_selected_shard_new_to_the_checkpoint_is_read_not_silently_skipped()
    {
        var entries = new Dictionary<string, ShardCheckpoint> { [S(0)] = ShardCheckpoint.AfterRecord(Seq1, null) };
        var options = new ReadOptions { Start = StartPosition.AtTimestamp(Earlier), ShardIds = new HashSet<string> { S(1) } };

        CheckpointResume.Apply(options, entries, Open(0, 1));

        Assert.Equal(new[] { S(1) }, options.ShardIds);
        Assert.Equal("AT_TIMESTAMP 2026-12-04T09:30:15.250Z", Describe.Of(options.ShardStarts[S(1)]));
    }

    [Fact]
    public void An_expired_checkpointed_parent_still_makes_its_child_born_since()
    {
        // Shard 9 is in the file but has expired out of the stream; its child 1 holds only records that arrived after it.
        var entries = new Dictionary<string, ShardCheckpoint> { [S(9)] = ShardCheckpoint.AfterRecord(Seq1, null), [S(0)] = ShardCheckpoint.AtTrimHorizon() };
        ShardDescription[] listed = { new() { ShardId = S(0) }, new() { ShardId = S(1), ParentShardId = S(9) } };
        var options = new ReadOptions { Start = StartPosition.Latest };

        IReadOnlyList<string> expired = CheckpointResume.Apply(options, entries, listed);

        Assert.Equal(new[] { S(9) }, expired);
        Assert.False(options.ShardStarts.ContainsKey(S(1))); // from its beginning (options.Start), not from LATEST
        Assert.Equal("TRIM_HORIZON", Describe.Of(options.Start));
    }

    [Fact]
    public void A_caller_selection_narrows_the_shards_read_but_not_the_resume_positions()
    {
        var options = new ReadOptions { ShardIds = new HashSet<string> { S(0), S(2), S(6) } };

        CheckpointResume.Apply(options, Entries(), Listed);

        // 2 is finished; 6, its child born since, was asked for by name: read from its beginning.
        Assert.Equal(new[] { S(0), S(6) }, options.ShardIds.Order());
        // A child of a selected shard that is already being resumed must resume, not restart.
        Assert.Equal(new[] { S(0), S(1), S(3), S(4), S(5) }, options.ShardStarts.Keys.Order());
        Assert.Equal(new[] { S(2) }, options.FinishedShards);
    }

    [Fact]
    public void When_every_entry_is_finished_no_shard_is_named_so_only_their_children_are_read()
    {
        var entries = new Dictionary<string, ShardCheckpoint> { [S(0)] = ShardCheckpoint.Done(Seq1), [S(1)] = ShardCheckpoint.Done(null) };
        ShardDescription[] merged =
        {
            new() { ShardId = S(0), EndingSequenceNumber = Seq1 }, new() { ShardId = S(1), EndingSequenceNumber = Seq2 },
            new() { ShardId = S(2), ParentShardId = S(0), AdjacentParentShardId = S(1) },
        };
        var options = new ReadOptions();

        CheckpointResume.Apply(options, entries, merged);

        Assert.NotNull(options.ShardIds); // null would mean "every shard"
        Assert.Empty(options.ShardIds);
        Assert.Empty(options.ShardStarts);
        Assert.Equal(new[] { S(0), S(1) }, options.FinishedShards.Order());
    }

    [Fact]
    public void The_options_do_not_change_when_the_checkpoint_does_afterwards()
    {
        using CheckpointFile file = CheckpointFile.Open(_folder.File("cp.json"));
        foreach (var entry in Entries()) file.Record(Orders, entry.Key, entry.Value);
        var tracker = new CheckpointTracker(file, Orders);
        var options = new ReadOptions();

        IReadOnlyList<string> expired = CheckpointResume.Apply(options, file.ShardsOf(Orders), Listed);
        foreach (string gone in expired) tracker.Forget(gone);
        file.Record(Orders, S(0), ShardCheckpoint.Done(Seq2));
        file.Record(Orders, S(7), ShardCheckpoint.AtTrimHorizon());

        Assert.Equal(new[] { S(8), S(9) }, expired);
        Assert.Equal(new[] { S(0), S(1), S(2), S(3), S(4), S(5), S(7) }, file.ShardsOf(Orders).Keys.Order());
        Assert.Equal("AFTER_SEQUENCE_NUMBER " + Seq1, Describe.Of(options.ShardStarts[S(0)]));
        Assert.Equal(new[] { S(0), S(1), S(3), S(4), S(5) }, options.ShardIds.Order());
        Assert.Equal(new[] { S(2) }, options.FinishedShards);
    }

    [Fact]
    public void Shard_ids_compare_exactly()
    {
        var entries = new Dictionary<string, ShardCheckpoint> { ["ShardId-000000000000"] = ShardCheckpoint.AtTrimHorizon() };
        var options = new ReadOptions();

        IReadOnlyList<string> expired = CheckpointResume.Apply(options, entries, Open(0));

        Assert.Equal(new[] { "ShardId-000000000000" }, expired);
        Assert.Equal(new[] { S(0) }, options.ShardIds); // a shard the file has never seen: from the caller's start
        Assert.Equal("TRIM_HORIZON", Describe.Of(options.ShardStarts[S(0)]));
    }

    // ---- RecordInitialStarts -------------------------------------------------------------------------------

    private static readonly DateTimeOffset RunAt = new(2026, 12, 4, 16, 0, 0, TimeSpan.Zero);

    /// <summary>P (closed) split into C (open); O is open; Z is closed with no children listed.</summary>
    private static readonly ShardDescription[] Lineage =
    {
        new() { ShardId = S(0), EndingSequenceNumber = Seq2 },
        new() { ShardId = S(1), ParentShardId = S(0) },
        new() { ShardId = S(2) },
        new() { ShardId = S(3), EndingSequenceNumber = Seq1 },
    };

    private static StartPosition StartOf(string kind) => kind switch
    {
        "TrimHorizon" => StartPosition.TrimHorizon,
        "Latest" => StartPosition.Latest,
        "AtTimestamp" => StartPosition.AtTimestamp(Earlier),
        "AtSequenceNumber" => StartPosition.AtSequenceNumber(Seq1),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    [Theory]
    [InlineData("TrimHorizon", null, "0=trimHorizon 1=trimHorizon 2=trimHorizon 3=trimHorizon")]
    [InlineData("AtTimestamp", null, "0=time 2026-12-04T09:30:15.250Z 1=time 2026-12-04T09:30:15.250Z 2=time 2026-12-04T09:30:15.250Z 3=time 2026-12-04T09:30:15.250Z")]
    [InlineData("Latest", null, "1=time 2026-12-04T15:59:55.000Z 2=time 2026-12-04T15:59:55.000Z")] // closed shards get nothing new: not read
    [InlineData("TrimHorizon", "0", "0=trimHorizon")]                                                // its child is reached through it
    [InlineData("Latest", "0,2", "0=time 2026-12-04T15:59:55.000Z 2=time 2026-12-04T15:59:55.000Z")]
    [InlineData("AtSequenceNumber", "2", "2=at " + Seq1)]
    [InlineData("TrimHorizon", "2,7", "2=trimHorizon")]                                              // an unknown shard is the reader's error to report
    public void A_first_run_records_every_shard_it_begins_with_before_any_is_read(string start, string selection, string expected)
    {
        using CheckpointFile file = CheckpointFile.Open(_folder.File("cp.json"));
        var tracker = new CheckpointTracker(file, Orders, () => RunAt);
        var options = new ReadOptions
        {
            Start = StartOf(start),
            ShardIds = selection?.Split(',').Select(n => S(int.Parse(n, System.Globalization.CultureInfo.InvariantCulture))).ToHashSet(),
        };

        CheckpointResume.RecordInitialStarts(tracker, options, Lineage);

        string recorded = string.Join(" ", file.ShardsOf(Orders).OrderBy(e => e.Key, StringComparer.Ordinal)
            .Select(e => e.Key[^1] + "=" + Describe.Of(e.Value)));
        Assert.Equal(expected, recorded);
    }

    [Fact]
    public void Per_shard_starts_win_over_the_common_start_and_make_closed_shards_count_even_from_latest()
    {
        using CheckpointFile file = CheckpointFile.Open(_folder.File("cp.json"));
        var tracker = new CheckpointTracker(file, Orders, () => RunAt);
        var options = new ReadOptions
        {
            Start = StartPosition.Latest,
            ShardStarts = new Dictionary<string, StartPosition> { [S(2)] = StartPosition.AfterSequenceNumber(Seq2) },
        };

        CheckpointResume.RecordInitialStarts(tracker, options, Lineage);

        var recorded = file.ShardsOf(Orders).ToDictionary(e => e.Key, e => Describe.Of(e.Value));
        Assert.Equal("after " + Seq2, recorded[S(2)]);
        Assert.Equal("time 2026-12-04T15:59:55.000Z", recorded[S(0)]); // with per-shard starts the reader reads closed shards too
        Assert.Equal(4, recorded.Count);
    }

    [Fact]
    public void On_a_resumed_run_recording_initial_starts_changes_nothing()
    {
        string path = _folder.File("cp.json");
        using (CheckpointFile earlier = CheckpointFile.Open(path))
        {
            earlier.Record(Orders, S(0), ShardCheckpoint.Done(Seq2));
            earlier.Record(Orders, S(2), ShardCheckpoint.AfterRecord(Seq1, 4));
            earlier.Record(Orders, S(3), ShardCheckpoint.AtTime(Earlier));
            earlier.Save();
        }

        var longAgo = new DateTime(2020, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(path, longAgo);
        using CheckpointFile file = CheckpointFile.Open(path);
        var tracker = new CheckpointTracker(file, Orders, () => RunAt);
        var options = new ReadOptions { Start = StartPosition.Latest };
        CheckpointResume.Apply(options, file.ShardsOf(Orders), Lineage);

        CheckpointResume.RecordInitialStarts(tracker, options, Lineage);
        tracker.Flush();

        Assert.Equal(new[] { S(0), S(2), S(3) }, file.ShardsOf(Orders).Keys.Order());
        Assert.Equal("after " + Seq1 + ", sub 4", Describe.Of(file.ShardsOf(Orders)[S(2)]));
        Assert.Equal(longAgo, File.GetLastWriteTimeUtc(path)); // nothing to save
    }
}
