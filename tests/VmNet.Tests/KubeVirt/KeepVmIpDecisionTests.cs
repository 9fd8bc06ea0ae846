using VmNet.KubeVirt;

namespace VmNet.Tests.KubeVirt;

public sealed class KeepVmIpDecisionTests
{
    [Fact]
    public void StoppedVmKeepsItsAddresses() =>
        Assert.Equal(VmAddressFate.Keep, KeepVmIpDecision.Decide(new VmState { VmExists = true, DesiredSubnet = "a" }, "a"));

    [Fact]
    public void RunningVmKeepsEvenWhenTheSubnetChangedUntilItStops()
    {
        var state = new VmState { VmExists = true, VmiExists = true, VmiHasVmOwner = true, DesiredSubnet = "b", HasLiveLauncherPod = true };
        Assert.Equal(VmAddressFate.Keep, KeepVmIpDecision.Decide(state, "a"));
        Assert.Equal(VmAddressFate.ReleaseSubnetChanged, KeepVmIpDecision.Decide(state with { HasLiveLauncherPod = false, VmiExists = false }, "a"));
    }

    [Fact]
    public void DeletedVmReleases()
    {
        Assert.Equal(VmAddressFate.ReleaseVmDeleted, KeepVmIpDecision.Decide(new VmState(), "a"));
        Assert.Equal(VmAddressFate.ReleaseVmDeleted, KeepVmIpDecision.Decide(new VmState { VmExists = true, VmDeleting = true, HasLiveLauncherPod = true }, "a"));
    }

    [Fact]
    public void EphemeralVmiTerminatingReleasesButRunningOneKeeps()
    {
        var ephemeral = new VmState { VmiExists = true, HasLiveLauncherPod = true };
        Assert.Equal(VmAddressFate.Keep, KeepVmIpDecision.Decide(ephemeral, "a"));
        Assert.Equal(VmAddressFate.ReleaseVmDeleted, KeepVmIpDecision.Decide(ephemeral with { VmiDeleting = true }, "a"));
    }

    [Fact]
    public void UnknownStateNeverReleases() =>
        Assert.Equal(VmAddressFate.Keep, KeepVmIpDecision.Decide(new VmState { VmKnown = false }, "a"));

    [Fact]
    public void LiveLauncherWithoutVmObjectsKeeps() =>
        Assert.Equal(VmAddressFate.Keep, KeepVmIpDecision.Decide(new VmState { HasLiveLauncherPod = true }, "a"));
}
