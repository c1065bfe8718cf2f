using System;
using KinesisXAcct.Reading;
using Xunit;

namespace KinesisXAcct.Tests.Unit.Reading;

/// <summary>The progress bar of a read that catches up: silent at the tip, the slowest shard named while behind.</summary>
public class ReadProgressTests
{
    private static readonly DateTime T0 = new(2026, 12, 4, 12, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void Says_nothing_before_any_answer_or_while_every_shard_is_at_its_tip()
    {
        var progress = new ReadProgress();
        Assert.Null(progress.Next(T0, 0));

        progress.Update("orders", "shardId-000000000000", 0);
        progress.Update("orders", "shardId-000000000001", null); // no MillisBehindLatest in the answer: not counted
        Assert.Null(progress.Next(T0.AddSeconds(1), 10));
        Assert.False(progress.Shown);
    }

    [Fact]
    public void Names_the_shard_furthest_behind_with_its_lag_and_the_records_out()
    {
        var progress = new ReadProgress();
        progress.Update("orders", "shardId-000000000000", 1_500);
        progress.Update("orders", "shardId-000000000001", 93_784_000); // 1 day 2:03:04
        progress.Update("clicks", "shardId-000000000000", 60_000);

        string status = progress.Next(T0, 12345);

        Assert.Equal("12,345 records; slowest shard orders/shardId-000000000001 is 1.02:03:04 behind the tip", status);
        Assert.True(progress.Shown);
        Assert.Equal(("orders/shardId-000000000001", 93_784_000L), progress.Slowest());
    }

    [Fact]
    public void Updates_at_most_twice_a_second_and_follows_the_latest_answers()
    {
        var progress = new ReadProgress();
        progress.Update("orders", "shardId-000000000000", 5_000);
        Assert.NotNull(progress.Next(T0, 1));

        progress.Update("orders", "shardId-000000000000", 2_000);
        Assert.Null(progress.Next(T0.AddMilliseconds(499), 2));
        Assert.Equal("3 records; slowest shard orders/shardId-000000000000 is 0.00:00:02 behind the tip", progress.Next(T0.AddMilliseconds(500), 3));
    }

    [Fact]
    public void Once_shown_it_keeps_updating_when_the_read_catches_up_so_the_bar_does_not_freeze()
    {
        var progress = new ReadProgress();
        progress.Update("orders", "shardId-000000000000", 5_000);
        Assert.NotNull(progress.Next(T0, 1));

        progress.Update("orders", "shardId-000000000000", 0);

        Assert.Equal("9 records; slowest shard orders/shardId-000000000000 is 0.00:00:00 behind the tip", progress.Next(T0.AddSeconds(1), 9));
    }
}
