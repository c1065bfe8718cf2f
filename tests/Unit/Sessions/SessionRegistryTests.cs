using KinesisXAcct.Sessions;
using KinesisXAcct.Tests.Unit.Fakes;
using Xunit;

namespace KinesisXAcct.Tests.Unit.Sessions;

public class SessionRegistryTests
{
    [Fact]
    public void A_new_registry_has_no_current_session_and_no_sessions()
    {
        var registry = new SessionRegistry();

        Assert.Null(registry.Current);
        Assert.Empty(registry.All());
        Assert.Null(registry.Find("default"));
    }

    [Fact]
    public void The_session_added_last_is_current()
    {
        var registry = new SessionRegistry();
        KinesisRoleSession prod = TestSessions.Make("prod");
        KinesisRoleSession dev = TestSessions.Make("dev");

        registry.Add(prod);
        Assert.Same(prod, registry.Current);
        registry.Add(dev);

        Assert.Same(dev, registry.Current);
        Assert.Same(prod, registry.Find("prod"));
    }

    [Fact]
    public void Adding_under_an_existing_name_replaces_that_session_and_makes_it_current()
    {
        var registry = new SessionRegistry();
        KinesisRoleSession oldProd = TestSessions.Make("prod");
        KinesisRoleSession dev = TestSessions.Make("dev");
        KinesisRoleSession newProd = TestSessions.Make("PROD", region: "eu-west-1");
        registry.Add(oldProd);
        registry.Add(dev);

        registry.Add(newProd);

        Assert.Same(newProd, registry.Current);
        Assert.Same(newProd, registry.Find("prod"));
        Assert.Equal(2, registry.All().Count);
        Assert.DoesNotContain(oldProd, registry.All());
    }

    [Theory]
    [InlineData("prod")]
    [InlineData("PROD")]
    [InlineData("Prod")]
    public void Names_are_found_whatever_their_case(string name)
    {
        var registry = new SessionRegistry();
        KinesisRoleSession prod = TestSessions.Make("prod");
        registry.Add(prod);

        Assert.Same(prod, registry.Find(name));
    }

    [Fact]
    public void All_lists_sessions_by_name()
    {
        var registry = new SessionRegistry();
        foreach (string name in new[] { "zeta", "Alpha", "mid" }) registry.Add(TestSessions.Make(name));

        Assert.Equal(new[] { "Alpha", "mid", "zeta" }, registry.All().Select(s => s.Name));
    }

    [Fact]
    public void Removing_the_current_session_leaves_no_current_session_and_does_not_fall_back_to_another()
    {
        var registry = new SessionRegistry();
        registry.Add(TestSessions.Make("prod"));
        registry.Add(TestSessions.Make("dev"));

        Assert.True(registry.Remove("DEV"));

        Assert.Null(registry.Current);
        Assert.Null(registry.Find("dev"));
        Assert.NotNull(registry.Find("prod"));
    }

    [Fact]
    public void Removing_another_session_keeps_the_current_one()
    {
        var registry = new SessionRegistry();
        registry.Add(TestSessions.Make("prod"));
        KinesisRoleSession dev = TestSessions.Make("dev");
        registry.Add(dev);

        Assert.True(registry.Remove("prod"));

        Assert.Same(dev, registry.Current);
        Assert.Single(registry.All());
    }

    [Fact]
    public void Removing_an_unknown_name_changes_nothing_and_says_so()
    {
        var registry = new SessionRegistry();
        KinesisRoleSession prod = TestSessions.Make("prod");
        registry.Add(prod);

        Assert.False(registry.Remove("nope"));

        Assert.Same(prod, registry.Current);
    }

    [Fact]
    public void A_removed_name_can_be_added_again_and_becomes_current()
    {
        var registry = new SessionRegistry();
        registry.Add(TestSessions.Make("prod"));
        registry.Remove("prod");
        KinesisRoleSession again = TestSessions.Make("prod");

        registry.Add(again);

        Assert.Same(again, registry.Current);
    }

    [Fact]
    public void Clear_forgets_every_session_and_the_current_one()
    {
        var registry = new SessionRegistry();
        registry.Add(TestSessions.Make("prod"));
        registry.Add(TestSessions.Make("dev"));

        registry.Clear();

        Assert.Null(registry.Current);
        Assert.Empty(registry.All());
    }

    [Fact]
    public void Concurrent_adds_and_removes_leave_the_registry_consistent()
    {
        var registry = new SessionRegistry();

        Parallel.For(0, 200, i =>
        {
            registry.Add(TestSessions.Make($"s{i % 20}"));
            if (i % 3 == 0) registry.Remove($"s{(i + 1) % 20}");
            _ = registry.Current;
            _ = registry.All();
        });

        IReadOnlyList<KinesisRoleSession> all = registry.All();
        Assert.Equal(all.Count, all.Select(s => s.Name).Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.True(registry.Current == null || all.Contains(registry.Current));
    }
}
