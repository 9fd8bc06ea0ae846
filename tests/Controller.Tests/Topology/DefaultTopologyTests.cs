using VmNet.Controller.Hosting;
using VmNet.Kube;
using VmNet.Kube.Models;

namespace VmNet.Controller.Tests.Topology;

public sealed class DefaultTopologyTests
{
    [Fact]
    public async Task DefaultVpcSubnetAndJoinAppearInNorthboundAndStatus()
    {
        await using var harness = await TopologyHarness.StartAsync();
        var controller = await harness.StartControllerAsync();

        var router = await TopologyHarness.EventuallyAsync(() => harness.FindAsync("Logical_Router", "ovn-cluster"), r => r is not null, "router ovn-cluster");
        Assert.Equal("vmnet", router!.Map("external_ids")["vendor"]);
        Assert.Equal("Vpc", router.Map("external_ids")["vmnet.io/owner-kind"]);
        Assert.Equal("ovn-cluster", router.Map("external_ids")["vmnet.io/owner"]);

        var ready = await harness.WaitSubnetConditionAsync("ovn-default", KubeOvnConditions.Ready, "True");
        await harness.WaitSubnetConditionAsync("join", KubeOvnConditions.Ready, "True");

        // Formatted like Kube-OVN and written back.
        Assert.Equal("10.16.0.0/16", ready.Spec!.CidrBlock);
        Assert.Equal("10.16.0.1", ready.Spec.Gateway);
        Assert.Equal("IPv4", ready.Spec.Protocol);
        Assert.Equal("ovn", ready.Spec.Provider);
        Assert.Equal("ovn-cluster", ready.Spec.Vpc);
        Assert.Equal("distributed", ready.Spec.GatewayType);
        Assert.Equal(["10.16.0.1"], ready.Spec.ExcludeIps);
        Assert.Equal(65533m, ready.Status!.V4availableIPs);
        Assert.Equal(0m, ready.Status.V4usingIPs);

        var switches = await harness.ListAsync("Logical_Switch");
        Assert.Equal(["join", "ovn-default"], switches.Select(s => s.Name).Order(StringComparer.Ordinal));
        var lrps = await harness.ListAsync("Logical_Router_Port");
        var defaultLrp = Assert.Single(lrps, p => p.Name == "ovn-cluster-ovn-default");
        Assert.Equal(["10.16.0.1/16"], defaultLrp.Set("networks"));
        var joinLrp = Assert.Single(lrps, p => p.Name == "ovn-cluster-join");
        Assert.Equal(["100.64.0.1/16"], joinLrp.Set("networks"));
        Assert.Equal(2, lrps.Count);

        var lsp = await harness.FindAsync("Logical_Switch_Port", "ovn-default-ovn-cluster");
        Assert.NotNull(lsp);
        Assert.Equal("router", lsp!.String("type"));
        Assert.Equal(["router"], lsp.Set("addresses"));
        Assert.Equal("ovn-cluster-ovn-default", lsp.Map("options")["router-port"]);
        Assert.Equal("Subnet", lsp.Map("external_ids")["vmnet.io/owner-kind"]);

        // ovn-nbctl show: the router holds both ports, each switch its router-type port.
        var show = (await harness.Central.Central.NbctlAsync(["show"])).Stdout;
        Assert.Contains("router ", show, StringComparison.Ordinal);
        Assert.Contains("(ovn-cluster)", show, StringComparison.Ordinal);
        Assert.Contains("port ovn-cluster-join", show, StringComparison.Ordinal);
        Assert.Contains("networks: [\"10.16.0.1/16\"]", show, StringComparison.Ordinal);
        Assert.Contains("router-port: ovn-cluster-ovn-default", show, StringComparison.Ordinal);

        var vpc = await TopologyHarness.EventuallyAsync(
            () => harness.Client.GetAsync<V1Vpc>(null, "ovn-cluster"),
            v => v.Status?.Subnets?.Count == 2,
            "vpc status subnets");
        Assert.Equal("ovn-cluster", vpc.Status!.Router);
        Assert.True(vpc.Status.Default);
        Assert.Equal("ovn-default", vpc.Status.DefaultLogicalSwitch);
        Assert.Equal(["join", "ovn-default"], vpc.Status.Subnets);
        Assert.Contains(ControllerOptions.Finalizer, vpc.Metadata!.Finalizers!);
        Assert.Contains(ControllerOptions.Finalizer, ready.Metadata!.Finalizers!);

        // The pod reconcilers' view.
        Assert.True(controller.Context.Subnets.IsReady("ovn-default"));
        Assert.NotNull(controller.Context.Ipam.FindSubnet("join"));
        var ipam = await controller.Context.Subnets.WaitReadyAsync("ovn-default", CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal("10.16.0.0/16", ipam.Definition.CidrBlock);
        Assert.Equal(defaultLrp.String("mac"), ipam.Definition.GatewayMac?.ToString());
    }

    [Fact]
    public async Task FlagsShapeTheDefaultTopology()
    {
        await using var harness = await TopologyHarness.StartAsync();
        var options = harness.Options() with
        {
            ClusterRouter = "cluster-rtr",
            DefaultSubnet = "pods",
            DefaultCidr = "10.17.0.0/16,fd00:10:17::/112",
            DefaultExcludeIps = "10.17.0.2..10.17.0.9",
            NodeSwitch = "nodes",
            NodeSwitchCidr = "100.70.0.0/16",
        };
        await harness.StartControllerAsync(options);

        var pods = await harness.WaitSubnetConditionAsync("pods", KubeOvnConditions.Ready, "True");
        await harness.WaitSubnetConditionAsync("nodes", KubeOvnConditions.Ready, "True");
        Assert.True(pods.Spec!.Default);
        Assert.Equal("Dual", pods.Spec.Protocol);
        Assert.Equal("cluster-rtr", pods.Spec.Vpc);
        Assert.Equal(["10.17.0.1", "10.17.0.2..10.17.0.9", "fd00:10:17::1"], pods.Spec.ExcludeIps);
        Assert.Equal(65533m - 8m, pods.Status!.V4availableIPs);
        var lrp = await harness.FindAsync("Logical_Router_Port", "cluster-rtr-pods");
        Assert.Equal(["10.17.0.1/16", "fd00:10:17::1/112"], lrp!.Set("networks").Order(StringComparer.Ordinal));
        var join = await harness.FindAsync("Logical_Router_Port", "cluster-rtr-nodes");
        Assert.Equal(["100.70.0.1/16"], join!.Set("networks"));
        Assert.Null(await harness.FindAsync("Logical_Router", "ovn-cluster"));
    }
}
