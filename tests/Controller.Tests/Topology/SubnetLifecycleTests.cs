using VmNet.Controller.Hosting;
using VmNet.Ipam;
using VmNet.Kube;
using VmNet.Kube.Models;

namespace VmNet.Controller.Tests.Topology;

public sealed class SubnetLifecycleTests
{
    [Fact]
    public async Task CreateUpdateDeleteSubnet()
    {
        await using var harness = await TopologyHarness.StartAsync();
        var controller = await harness.StartControllerAsync();
        await harness.WaitDefaultTopologyAsync();

        await harness.CreateSubnetAsync("blue", "10.20.0.7/24", excludeIps: ["10.20.0.200..10.20.0.210", "10.20.0.100"]);
        var blue = await harness.WaitSubnetConditionAsync("blue", KubeOvnConditions.Ready, "True");
        Assert.Equal("10.20.0.0/24", blue.Spec!.CidrBlock);
        Assert.Equal("10.20.0.1", blue.Spec.Gateway);
        Assert.Equal(["10.20.0.1", "10.20.0.100", "10.20.0.200..10.20.0.210"], blue.Spec.ExcludeIps);
        Assert.Equal("ovn-cluster", blue.Spec.Vpc);
        Assert.True(KubeOvnConditions.IsTrue(blue.Status!.Conditions, KubeOvnConditions.Validated));
        Assert.Equal(253m - 12m, blue.Status.V4availableIPs);

        var lrp = await harness.FindAsync("Logical_Router_Port", "ovn-cluster-blue");
        Assert.Equal(["10.20.0.1/24"], lrp!.Set("networks"));
        var ls = await harness.FindAsync("Logical_Switch", "blue");
        Assert.Equal("blue", ls!.Map("external_ids")["vmnet.io/owner"]);

        // Usage follows allocations (the addressing side calls NotifyUsageChanged).
        controller.Context.Ipam.Allocate("blue", new AllocationRequest("pod-a.default", "default/pod-a"));
        controller.Context.Subnets.NotifyUsageChanged("blue");
        var used = await TopologyHarness.EventuallyAsync(() => harness.GetSubnetAsync("blue"), s => s.Status?.V4usingIPs == 1m, "blue v4usingIPs=1");
        Assert.Equal("10.20.0.2", used.Status!.V4usingIPrange);
        Assert.Equal(240m, used.Status.V4availableIPs);

        // CIDR change: the router port follows in place, the allocation outside the new CIDR is reported displaced.
        var displaced = new TaskCompletionSource<SubnetDisplacement>(TaskCreationOptions.RunContinuationsAsynchronously);
        controller.Context.Subnets.OnAddressesDisplaced(d => displaced.TrySetResult(d));
        var fresh = await harness.GetSubnetAsync("blue");
        fresh.Spec!.CidrBlock = "10.30.0.0/16";
        fresh.Spec.Gateway = null;
        fresh.Spec.ExcludeIps = [];
        await harness.Client.ReplaceAsync(fresh);
        var moved = await TopologyHarness.EventuallyAsync(() => harness.FindAsync("Logical_Router_Port", "ovn-cluster-blue"), p => p!.Set("networks").SequenceEqual(["10.30.0.1/16"]), "blue LRP on 10.30.0.1/16");
        Assert.Equal(lrp.Uuid, moved!.Uuid);
        Assert.Equal(lrp.String("mac"), moved.String("mac"));
        var displacement = await displaced.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("blue", displacement.Subnet);
        Assert.Equal("pod-a.default", Assert.Single(displacement.Displaced).NicKey);
        var updated = await TopologyHarness.EventuallyAsync(() => harness.GetSubnetAsync("blue"), s => s.Spec?.Gateway == "10.30.0.1", "blue formatted after update");
        Assert.Equal(["10.30.0.1"], updated.Spec!.ExcludeIps);

        // Delete: finalizer released after LS/LRP/LSP are gone and IPAM forgot the subnet.
        await harness.Client.DeleteAsync<V1Subnet>(null, "blue");
        await TopologyHarness.EventuallyAsync(async () => (await harness.Client.ListAsync<V1Subnet>(null)).Items.Any(s => s.Metadata!.Name == "blue"), gone => !gone, "subnet blue deleted");
        Assert.Null(await harness.FindAsync("Logical_Switch", "blue"));
        Assert.Null(await harness.FindAsync("Logical_Router_Port", "ovn-cluster-blue"));
        Assert.Null(await harness.FindAsync("Logical_Switch_Port", "blue-ovn-cluster"));
        Assert.Null(controller.Context.Ipam.FindSubnet("blue"));
        Assert.False(controller.Context.Subnets.IsReady("blue"));
        var router = await harness.FindAsync("Logical_Router", "ovn-cluster");
        Assert.Equal(2, router!.Set("ports").Count);
    }

    [Fact]
    public async Task DualStackSubnetGetsBothGatewayNetworks()
    {
        await using var harness = await TopologyHarness.StartAsync();
        await harness.StartControllerAsync();

        await harness.CreateSubnetAsync("dual", "10.40.0.0/24,fd00:40::/120");
        var dual = await harness.WaitSubnetConditionAsync("dual", KubeOvnConditions.Ready, "True");
        Assert.Equal("Dual", dual.Spec!.Protocol);
        Assert.Equal("10.40.0.1,fd00:40::1", dual.Spec.Gateway);
        Assert.Equal(253m, dual.Status!.V4availableIPs);
        Assert.Equal(253m, dual.Status.V6availableIPs);
        var lrp = await harness.FindAsync("Logical_Router_Port", "ovn-cluster-dual");
        Assert.Equal(["10.40.0.1/24", "fd00:40::1/120"], lrp!.Set("networks").Order(StringComparer.Ordinal));
    }
}
