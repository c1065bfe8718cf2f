using KinesisXAcct.Kinesis;
using KinesisXAcct.Reading;
using KinesisXAcct.Tests.Unit.Fakes;
using Xunit;

namespace KinesisXAcct.Tests.Unit.Reading;

/// <summary>Splits and merges: a child shard is read only after every parent in scope reached its end.</summary>
public class ReshardingReadTests
{
    private const string Parent = "shardId-000000000000";
    private const string ChildA = "shardId-000000000001";
    private const string ChildB = "shardId-000000000002";

    /// <summary>A parent holding keys a and b that split into a child for a and a child for b.</summary>
    private static FakeKinesis Split(bool childrenListed, int parentRecords = 6)
    {
        var fake = new FakeKinesis();
        fake.AddShard(Parent, closed: true);
        fake.AddShard(ChildA, parent: Parent, listed: childrenListed);
        fake.AddShard(ChildB, parent: Parent, listed: childrenListed);
        for (int i = 0; i < parentRecords; i++) fake.AppendKeyed(Parent, $"P-{(i % 2 == 0 ? "a" : "b")}{i}", i % 2 == 0 ? "a" : "b");
        for (int i = 0; i < 3; i++) fake.AppendKeyed(ChildA, $"A-a{i}", "a");
        for (int i = 0; i < 3; i++) fake.AppendKeyed(ChildB, $"B-b{i}", "b");
        return fake;
    }

    private static void AssertStartsAfterEnd(FakeKinesis fake, string parent, string child)
    {
        ApiCall parentEnd = fake.GetRecordsCalls(parent).Last();
        Assert.True(parentEnd.ReachedEnd, $"{parent} was not read to its end");
        ApiCall childStart = fake.IteratorCalls(child).First();
        Assert.True(childStart.Order > parentEnd.Order, $"{child} was started (call {childStart.Order}) before {parent} ended (call {parentEnd.Order})");
        Assert.True(childStart.At >= parentEnd.At);
    }

    private static void AssertKeyOrder(ReadResult result, FakeKinesis fake, string partitionKey, params string[] shardsInLineageOrder)
    {
        IEnumerable<string> expected = shardsInLineageOrder.SelectMany(s => fake.RecordsOf(s).Where(r => r.PartitionKey == partitionKey).Select(r => r.Text));
        Assert.Equal(expected, result.Records.Where(r => r.PartitionKey == partitionKey).Select(r => r.Text));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task After_a_split_both_children_are_read_only_once_the_parent_reached_its_end(bool childrenListed)
    {
        FakeKinesis fake = Split(childrenListed);

        ReadResult result = await ReadHarness.ReadAsync(fake, ReadHarness.Options(fake, batchSize: 2));

        Assert.Equal(12, result.Records.Count);
        Assert.Equal(fake.AllRecords.Select(r => r.SequenceNumber).OrderBy(s => s), result.Records.Select(r => r.SequenceNumber).OrderBy(s => s));
        AssertStartsAfterEnd(fake, Parent, ChildA);
        AssertStartsAfterEnd(fake, Parent, ChildB);
        AssertKeyOrder(result, fake, "a", Parent, ChildA);
        AssertKeyOrder(result, fake, "b", Parent, ChildB);
        Assert.All(fake.IteratorCalls(), c => Assert.Equal(ShardIteratorType.TrimHorizon, c.IteratorType));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task After_a_merge_the_child_waits_for_both_parents_even_when_one_ends_much_earlier(bool childListed)
    {
        const string ParentQ = "shardId-000000000001";
        const string Merged = "shardId-000000000002";
        var fake = new FakeKinesis();
        fake.AddShard(Parent, closed: true);
        fake.AddShard(ParentQ, closed: true);
        fake.AddShard(Merged, parent: Parent, adjacentParent: ParentQ, listed: childListed);
        fake.AppendKeyed(Parent, "P-a0", "a");
        for (int i = 0; i < 12; i++) fake.AppendKeyed(ParentQ, $"Q-b{i}", "b");
        fake.AppendKeyed(Merged, "M-a", "a");
        fake.AppendKeyed(Merged, "M-b", "b");

        ReadResult result = await ReadHarness.ReadAsync(fake, ReadHarness.Options(fake, batchSize: 2));

        Assert.Equal(15, result.Records.Count);
        AssertStartsAfterEnd(fake, Parent, Merged);
        AssertStartsAfterEnd(fake, ParentQ, Merged);
        AssertKeyOrder(result, fake, "a", Parent, Merged);
        AssertKeyOrder(result, fake, "b", ParentQ, Merged);
        Assert.Single(fake.IteratorCalls(Merged));
    }

    [Fact]
    public async Task Two_generations_of_splits_are_followed_down_to_the_grandchildren()
    {
        const string Grandchild = "shardId-000000000003";
        FakeKinesis fake = Split(childrenListed: false);
        fake.AddShard(Grandchild, parent: ChildA, listed: false);
        fake.Close(ChildA); // child A split again
        fake.AppendKeyed(Grandchild, "G-a", "a");

        ReadResult result = await ReadHarness.ReadAsync(fake, ReadHarness.Options(fake, batchSize: 2));

        Assert.Equal(13, result.Records.Count);
        AssertStartsAfterEnd(fake, ChildA, Grandchild);
        AssertKeyOrder(result, fake, "a", Parent, ChildA, Grandchild);
    }

    [Fact]
    public async Task In_moto_mode_a_closed_shard_that_never_returns_a_null_iterator_still_ends_and_its_listed_children_follow()
    {
        FakeKinesis fake = Split(childrenListed: true);
        fake.MotoMode = true;

        ReadResult result = await ReadHarness.ReadAsync(fake, ReadHarness.Options(fake, batchSize: 2), timeout: TimeSpan.FromSeconds(5));

        Assert.Equal(12, result.Records.Count);
        Assert.Equal(result.Records.Count, result.Records.Select(r => r.SequenceNumber).Distinct().Count());
        Assert.DoesNotContain(fake.GetRecordsCalls(), c => c.ReachedEnd);
        AssertChildAfterParentsLastCall(fake, Parent, ChildA);
        AssertKeyOrder(result, fake, "a", Parent, ChildA);
        AssertKeyOrder(result, fake, "b", Parent, ChildB);
    }

    [Fact]
    public async Task In_moto_mode_a_closed_shard_whose_last_batch_is_full_is_read_once_more_and_then_ends()
    {
        var fake = new FakeKinesis { MotoMode = true };
        fake.AddShard(Parent, closed: true);
        fake.Append(Parent, "x", "y");

        ReadResult result = await ReadHarness.ReadAsync(fake, ReadHarness.Options(fake, batchSize: 2), timeout: TimeSpan.FromSeconds(5));

        Assert.Equal(new[] { "x", "y" }, result.Texts);
        Assert.Equal(new[] { 2, 0 }, fake.GetRecordsCalls().Select(c => c.Returned));
    }

    [Fact]
    public async Task Latest_with_follow_reads_a_child_from_its_beginning_when_an_open_shard_splits_during_the_read()
    {
        var fake = new FakeKinesis();
        fake.AddShard(Parent);
        fake.Append(Parent, "before");
        ReadOptions options = ReadHarness.Options(fake);
        options.Start = StartPosition.Latest;
        options.Follow = true;
        await using RunningRead read = ReadHarness.Start(fake, options);
        Assert.True(await ReadHarness.EventuallyAsync(() => fake.GetRecordsCalls(Parent).Count >= 2));

        fake.Append(Parent, "last-of-parent");
        fake.AddShard(ChildA, parent: Parent, listed: false);
        fake.Append(ChildA, "first-of-child");
        fake.Close(Parent);

        Assert.True(await read.WaitForRecordsAsync(2), "the split child was not read");
        Assert.Equal(new[] { "last-of-parent", "first-of-child" }, read.Received.Select(r => r.Text));
        Assert.Equal(ShardIteratorType.TrimHorizon, Assert.Single(fake.IteratorCalls(ChildA)).IteratorType);
    }

    private static void AssertChildAfterParentsLastCall(FakeKinesis fake, string parent, string child)
    {
        // Moto mode: no call is marked as the end; the parent's last GetRecords must come before the child's first iterator.
        ApiCall parentLast = fake.GetRecordsCalls(parent).Last();
        Assert.True(fake.IteratorCalls(child).First().Order > parentLast.Order);
    }
}
