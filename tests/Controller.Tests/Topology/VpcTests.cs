using VmNet.Controller.Hosting;
using VmNet.Kube;
using VmNet.Kube.Models;

namespace VmNet.Controller.Tests.Topology;

public sealed class VpcTests
{
    [Fact]
    public async Task CustomVpcGetsRouterAndDeleteWaitsForItsSubnets()
    {
        await using var harness = await TopologyHarness.StartAsync();
        await harness.StartControllerAsync();

        await harness.Client.CreateAsync(new V1Vpc { Metadata = new V1ObjectMeta { Name = "tenant" }, Spec = new V1VpcSpec() });
        var router = await TopologyHarness.EventuallyAsync(() => harness.FindAsync("Logical_Router", "tenant"), r => r is not null, "router tenant");
        Assert.Equal("Vpc", router!.Map("external_ids")["vmnet.io/owner-kind"]);

        await harness.CreateSubnetAsync("tenant-a", "192.168.10.0/24", vpc: "tenant");
        await harness.WaitSubnetConditionAsync("tenant-a", KubeOvnConditions.Ready, "True");
        var vpc = await TopologyHarness.EventuallyAsync(() => harness.Client.GetAsync<V1Vpc>(null, "tenant"), v => v.Status?.Subnets?.Contains("tenant-a") == true, "tenant status lists tenant-a");
        Assert.False(vpc.Status!.Default);
        Assert.Equal("tenant", vpc.Status.Router);
        var withPort = await harness.FindAsync("Logical_Router", "tenant");
        Assert.Single(withPort!.Set("ports"));

        // Deleting a VPC in use is refused with an event; the router stays.
        await harness.Client.DeleteAsync<V1Vpc>(null, "tenant");
        var events = await TopologyHarness.EventuallyAsync(() => harness.EventsForAsync("Vpc", "tenant"), e => e.Any(x => x.Reason == "DeleteVpcFailed"), "DeleteVpcFailed event");
        Assert.Contains("tenant-a", events.First(e => e.Reason == "DeleteVpcFailed").Message, StringComparison.Ordinal);
        Assert.NotNull(await harness.FindAsync("Logical_Router", "tenant"));

        // Once its subnet is gone, the VPC and its router go too (by ownership).
        await harness.Client.DeleteAsync<V1Subnet>(null, "tenant-a");
        await TopologyHarness.EventuallyAsync(async () => (await harness.Client.ListAsync<V1Vpc>(null)).Items.Any(v => v.Metadata!.Name == "tenant"), exists => !exists, "vpc tenant deleted", TimeSpan.FromSeconds(30));
        Assert.Null(await harness.FindAsync("Logical_Router", "tenant"));
        Assert.Null(await harness.FindAsync("Logical_Switch", "tenant-a"));
        Assert.NotNull(await harness.FindAsync("Logical_Router", "ovn-cluster"));
    }

    [Fact]
    public async Task SubnetOfMissingVpcWaitsWithAConditionAndProceedsWhenTheVpcAppears()
    {
        await using var harness = await TopologyHarness.StartAsync();
        await harness.StartControllerAsync();
        await harness.CreateSubnetAsync("early", "172.20.0.0/24", vpc: "later");
        var early = await harness.WaitSubnetConditionAsync("early", KubeOvnConditions.Ready, "False");
        var ready = KubeOvnConditions.Find(early.Status!.Conditions, KubeOvnConditions.Ready)!;
        Assert.Equal("VpcNotReady", ready.Reason);
        Assert.Contains("spec.vpc \"later\" does not exist", ready.Message, StringComparison.Ordinal);
        Assert.Null(await harness.FindAsync("Logical_Switch", "early"));

        await harness.Client.CreateAsync(new V1Vpc { Metadata = new V1ObjectMeta { Name = "later" }, Spec = new V1VpcSpec() });
        await harness.WaitSubnetConditionAsync("early", KubeOvnConditions.Ready, "True");
        Assert.NotNull(await harness.FindAsync("Logical_Router_Port", "later-early"));
    }
}
