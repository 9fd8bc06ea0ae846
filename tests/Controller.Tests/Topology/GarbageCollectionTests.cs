using VmNet.Controller.Hosting;

namespace VmNet.Controller.Tests.Topology;

public sealed class GarbageCollectionTests
{
    private const string Ghost = "{vendor=vmnet,\"vmnet.io/owner-kind\"=Subnet,\"vmnet.io/owner\"=ghost}";

    [Fact]
    public async Task OrphanedOwnedRowsAreRemovedButNeverForeignRows()
    {
        await using var harness = await TopologyHarness.StartAsync();
        var nbctl = harness.Central.Central;

        // Left behind by a crash: owned by a Subnet and a Vpc that no longer exist.
        await nbctl.NbctlAsync(["ls-add", "ghost", "--", "set", "Logical_Switch", "ghost", "external_ids=" + Ghost]);
        await nbctl.NbctlAsync(["lr-add", "ghost-vpc", "--", "set", "Logical_Router", "ghost-vpc", "external_ids={vendor=vmnet,\"vmnet.io/owner-kind\"=Vpc,\"vmnet.io/owner\"=ghost-vpc}"]);
        await nbctl.NbctlAsync(["lr-add", "keeper", "--", "lrp-add", "keeper", "ghost-lrp", "0a:00:00:00:00:99", "10.99.0.1/24", "--", "set", "Logical_Router_Port", "ghost-lrp", "external_ids=" + Ghost]);

        // Not ours: another vendor, ours without typed ownership, and a look-alike name.
        await nbctl.NbctlAsync(["ls-add", "kube-ovn-ls", "--", "set", "Logical_Switch", "kube-ovn-ls", "external_ids:vendor=kube-ovn"]);
        await nbctl.NbctlAsync(["ls-add", "untyped", "--", "set", "Logical_Switch", "untyped", "external_ids:vendor=vmnet"]);
        await nbctl.NbctlAsync(["ls-add", "ovn-default-old"]);

        var options = harness.Options() with { GcInterval = TimeSpan.FromSeconds(1) };
        await harness.StartControllerAsync(options);

        // Startup GC ran before the workers: the orphans are gone already.
        Assert.Null(await harness.FindAsync("Logical_Switch", "ghost"));
        Assert.Null(await harness.FindAsync("Logical_Router", "ghost-vpc"));
        Assert.Null(await harness.FindAsync("Logical_Router_Port", "ghost-lrp"));
        var keeper = await harness.FindAsync("Logical_Router", "keeper");
        Assert.NotNull(keeper);
        Assert.DoesNotContain(keeper!.Set("ports"), p => p.Length > 0);
        foreach (var foreign in new[] { "kube-ovn-ls", "untyped", "ovn-default-old" })
        {
            Assert.NotNull(await harness.FindAsync("Logical_Switch", foreign));
        }

        // Periodic GC catches a new orphan while running.
        await nbctl.NbctlAsync(["ls-add", "ghost2", "--", "set", "Logical_Switch", "ghost2", "external_ids={vendor=vmnet,\"vmnet.io/owner-kind\"=Subnet,\"vmnet.io/owner\"=ghost2}"]);
        await TopologyHarness.EventuallyAsync(() => harness.FindAsync("Logical_Switch", "ghost2"), r => r is null, "periodic gc of ghost2", TimeSpan.FromSeconds(15));
        await harness.WaitSubnetConditionAsync("ovn-default", KubeOvnConditions.Ready, "True");
        Assert.NotNull(await harness.FindAsync("Logical_Switch", "ovn-default"));
        Assert.NotNull(await harness.FindAsync("Logical_Switch", "kube-ovn-ls"));
    }

    [Fact]
    public async Task DeletedOwnedSwitchIsRecreatedByItsSubnet()
    {
        await using var harness = await TopologyHarness.StartAsync();
        await harness.StartControllerAsync();
        await harness.WaitSubnetConditionAsync("ovn-default", KubeOvnConditions.Ready, "True");
        var before = await harness.FindAsync("Logical_Switch", "ovn-default");

        await harness.Central.Central.NbctlAsync(["ls-del", "ovn-default"]);
        var after = await TopologyHarness.EventuallyAsync(() => harness.FindAsync("Logical_Switch", "ovn-default"), r => r is not null && r.Uuid != before!.Uuid, "ovn-default recreated");
        Assert.Single(after!.Set("ports"));
        Assert.NotNull(await harness.FindAsync("Logical_Switch_Port", "ovn-default-ovn-cluster"));
    }
}
