using VmNet.KubeVirt.Migration;

namespace VmNet.Controller.Tests.Migrations;

public sealed class PortOptionsChangeTests
{
    private static readonly SwitchoverAction Both = new SwitchoverAction.BindBoth("node-1", "node-2", null);

    [Fact]
    public void BindBothSetsBothChassisAndRarpOnly()
    {
        var change = PortOptionsChange.For(Both, new Dictionary<string, string> { ["mcast_flood"] = "true" }, useActivationStrategy: true);
        Assert.Equal(new Dictionary<string, string> { ["requested-chassis"] = "node-1,node-2", ["activation-strategy"] = "rarp" }, change.Set);
        Assert.Empty(change.Delete);
    }

    [Fact]
    public void AlreadyBoundIsNoChange() =>
        Assert.True(PortOptionsChange.For(Both, new Dictionary<string, string> { ["requested-chassis"] = "node-1,node-2", ["activation-strategy"] = "rarp" }, true).IsEmpty);

    [Fact]
    public void CompleteDropsActivationStrategy()
    {
        var change = PortOptionsChange.For(new SwitchoverAction.Complete("node-2", "done"), new Dictionary<string, string> { ["requested-chassis"] = "node-1,node-2", ["activation-strategy"] = "rarp" }, true);
        Assert.Equal("node-2", change.Set["requested-chassis"]);
        Assert.Equal(["activation-strategy"], change.Delete);
    }

    [Fact]
    public void PolicyCanSkipActivationStrategy()
    {
        var change = PortOptionsChange.For(Both, new Dictionary<string, string> { ["activation-strategy"] = "rarp" }, useActivationStrategy: false);
        Assert.Equal(["activation-strategy"], change.Delete);
    }

    [Fact]
    public void DefaultPolicySkipsRarpOnlyForVhostUserWithGuestAnnounce()
    {
        Assert.True(ActivationStrategyPolicy.Default(new PortActivationFacts("p", VhostUser: false, GuestAnnounce: null)));
        Assert.True(ActivationStrategyPolicy.Default(new PortActivationFacts("p", VhostUser: true, GuestAnnounce: false)));
        Assert.False(ActivationStrategyPolicy.Default(new PortActivationFacts("p", VhostUser: true, GuestAnnounce: true)));
    }

    [Fact]
    public void NonBindingActionIsRefused() =>
        Assert.Throws<ArgumentException>(() => PortOptionsChange.For(new SwitchoverAction.Ignore("x"), new Dictionary<string, string>(), true));
}
