using KinesisXAcct.Kinesis;
using KinesisXAcct.Reading;
using Xunit;

namespace KinesisXAcct.Tests.Unit.Reading;

/// <summary>
/// The schedule as tables. A listing is space-separated shards: <c>P*</c> is closed, <c>C&lt;P</c> has
/// parent P, <c>M&lt;P+Q</c> has parents P and Q. A script is steps separated by <c>;</c>:
/// <c>ready A,B</c> (TakeReady returns exactly these, <c>-</c> for none), <c>end P</c> (P reached its
/// end), <c>end P&gt;X(P+Q),Y(P)</c> (…and reported these children), <c>stop P</c> (P stopped at its
/// tip), <c>scope A,B</c> (the shards in scope).
/// </summary>
public class ShardScheduleTests
{
    private static List<ShardDescription> Listing(string listing) =>
        listing.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(token =>
        {
            bool closed = token.EndsWith('*');
            token = token.TrimEnd('*');
            string[] idAndParents = token.Split('<');
            string[] parents = idAndParents.Length > 1 ? idAndParents[1].Split('+') : Array.Empty<string>();
            return new ShardDescription
            {
                ShardId = idAndParents[0],
                ParentShardId = parents.ElementAtOrDefault(0),
                AdjacentParentShardId = parents.ElementAtOrDefault(1),
                StartingSequenceNumber = "1",
                EndingSequenceNumber = closed ? "9" : null,
            };
        }).ToList();

    private static string[] Ids(string list) => list == "-" ? Array.Empty<string>() : list.Split(',');

    private static List<ChildShard> Children(string spec) =>
        spec.Split(',').Select(c =>
        {
            string id = c.Substring(0, c.IndexOf('('));
            var child = new ChildShard { ShardId = id };
            child.ParentShards.AddRange(c.Substring(id.Length + 1).TrimEnd(')').Split('+', StringSplitOptions.RemoveEmptyEntries));
            return child;
        }).ToList();

    private static void Run(ShardSchedule schedule, string script, string what = null)
    {
        foreach (string step in script.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            string verb = step.Substring(0, step.IndexOf(' '));
            string arg = step.Substring(verb.Length + 1).Trim();
            switch (verb)
            {
                case "ready":
                    Assert.True(Ids(arg).SequenceEqual(schedule.TakeReady()), $"{what}: step '{step}'");
                    break;
                case "scope":
                    Assert.True(Ids(arg).OrderBy(s => s, StringComparer.Ordinal).SequenceEqual(schedule.InScope.OrderBy(s => s, StringComparer.Ordinal)),
                        $"{what}: step '{step}': in scope were {string.Join(",", schedule.InScope)}");
                    break;
                case "end":
                    string[] parts = arg.Split('>');
                    schedule.MarkFinished(parts[0], reachedEnd: true, parts.Length > 1 ? Children(parts[1]) : null);
                    break;
                case "stop":
                    schedule.MarkFinished(arg, reachedEnd: false, null);
                    break;
                default:
                    throw new ArgumentException($"unknown step '{step}'");
            }
        }
    }

    [Theory]
    // listing                 selected  openOnly  first ready
    [InlineData("A B C",        null,     false,    "A,B,C")]
    [InlineData("C B A",        null,     false,    "A,B,C")] // in ordinal order, whatever the listing order
    [InlineData("P* C1<P C2<P", null,     false,    "P")]
    [InlineData("P* C1<P C2<P", null,     true,     "C1,C2")] // LATEST: a closed parent is out of scope and holds nothing back
    [InlineData("P* Q* M<P+Q",  null,     false,    "P,Q")]
    [InlineData("P* Q* M<P+Q",  null,     true,     "M")]
    [InlineData("P* C1<P C2<P", "C1",     false,    "C1")] // a selected child does not wait for an unselected parent
    [InlineData("P* C1<P X",    "P",      false,    "P")]
    [InlineData("P* C1<P X",    "P",      true,     "P")] // selection wins over open-only
    [InlineData("C<GONE",       null,     false,    "C")] // a parent past retention (not listed) holds nothing back
    [InlineData("A* B*",        null,     true,     "-")]
    public void The_first_shards_ready_are_those_in_scope_whose_in_scope_parents_are_done(string listing, string selected, bool openOnly, string expected)
    {
        var schedule = new ShardSchedule(Listing(listing), selected?.Split(','), openOnly);

        Assert.Equal(Ids(expected), schedule.TakeReady());
        Assert.Empty(schedule.UnknownShards);
    }

    [Theory]
    [InlineData("split: children follow the parent's end",
        "P* C1<P C2<P", null, "ready P; ready -; end P; ready C1,C2; ready -")]
    [InlineData("merge: the child waits for the second parent",
        "P* Q* M<P+Q", null, "ready P,Q; end P; ready -; end Q; ready M")]
    [InlineData("merge, other order",
        "P* Q* M<P+Q", null, "ready P,Q; end Q; ready -; end P; ready M")]
    [InlineData("children known only from ChildShards join the scope",
        "P*", null, "ready P; scope P; end P>C1(P),C2(P); scope P,C1,C2; ready C1,C2")]
    [InlineData("a reported merge child still waits for its other parent",
        "P* Q*", null, "ready P,Q; end P>M(P+Q); ready -; end Q>M(P+Q); ready M; ready -")]
    [InlineData("a reported child without parents is taken as the reporter's child",
        "P* Q*", null, "ready P,Q; end P>C(); ready C")]
    [InlineData("a shard stopped at its tip releases no children",
        "P* C1<P", null, "ready P; stop P; ready -")]
    [InlineData("selection: only the selected shard's lineage joins",
        "P* C1<P C2<P X Y<X", "P", "scope P; ready P; end P; scope P,C1,C2; ready C1,C2")]
    [InlineData("selection of one merge parent: the child does not wait for the unselected one",
        "P* Q* M<P+Q", "P", "ready P; end P; ready M")]
    [InlineData("two generations",
        "P* C1<P* C2<P G<C1", null, "ready P; end P; ready C1,C2; end C1; ready G")]
    [InlineData("latest: a child of an open shard that closes during the read",
        "A", null, "ready A; end A>B(A); ready B")]
    public void Shards_start_only_after_every_in_scope_parent_reached_its_end(string what, string listing, string selected, string script)
    {
        var schedule = new ShardSchedule(Listing(listing), selected?.Split(','), openOnly: false);

        Run(schedule, script, what);
    }

    [Theory]
    // listing                       selected  finished  script
    [InlineData("P* C1<P C2<P X",    "X",      "P",      "scope P,C1,C2,X; ready C1,C2,X; ready -")]
    [InlineData("P* Q* M<P+Q X",     "X,Q",    "P",      "ready Q,X; end Q; ready M")]
    [InlineData("P* C<P* G<C X",     "X",      "P,C",    "ready G,X")]            // a finished chain: straight to the grandchild
    [InlineData("P* C<P X",          "X",      "GONE",   "ready X; scope X")]     // a finished shard no longer listed is ignored
    public void Shards_finished_by_an_earlier_run_are_not_started_and_release_their_children(string listing, string selected, string finished, string script)
    {
        var schedule = new ShardSchedule(Listing(listing), selected.Split(','), openOnly: false, finished.Split(','));

        Run(schedule, script, $"finished {finished}");
        foreach (string id in finished.Split(',')) Assert.False(schedule.IsInitial(id));
    }

    [Fact]
    public void Latest_leaves_closed_shards_out_of_scope()
    {
        var schedule = new ShardSchedule(Listing("P* C1<P C2<P"), null, openOnly: true);

        Run(schedule, "scope C1,C2; ready C1,C2");
    }

    [Fact]
    public void Only_shards_in_scope_from_the_start_use_the_callers_start_position()
    {
        var schedule = new ShardSchedule(Listing("P* C1<P"), new[] { "P" }, openOnly: false);
        Run(schedule, "ready P; end P>C1(P),C9(P); ready C1,C9");

        Assert.True(schedule.IsInitial("P"));
        Assert.False(schedule.IsInitial("C1"));
        Assert.False(schedule.IsInitial("C9"));
        Assert.False(schedule.IsInitial("nope"));
    }

    [Theory]
    [InlineData("P* A", "P", true)]
    [InlineData("P* A", "A", false)]
    [InlineData("P* A", "Z", false)]
    public void A_shard_is_known_closed_when_the_listing_gave_it_an_ending_sequence_number(string listing, string shard, bool closed)
    {
        var schedule = new ShardSchedule(Listing(listing), null, openOnly: false);

        Assert.Equal(closed, schedule.IsKnownClosed(shard));
    }

    [Theory]
    [InlineData("A B", "A,Z", "Z")]
    [InlineData("A B", "Y,Z", "Y,Z")]
    [InlineData("A B", "A,B", "-")]
    public void Selected_shards_the_listing_does_not_have_are_reported_as_unknown(string listing, string selected, string unknown)
    {
        var schedule = new ShardSchedule(Listing(listing), selected.Split(','), openOnly: false);

        Assert.Equal(Ids(unknown), schedule.UnknownShards);
    }
}
