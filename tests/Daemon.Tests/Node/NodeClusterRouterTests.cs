using Microsoft.Extensions.Logging.Abstractions;
using VmNet.ApiServer;
using VmNet.Daemon.Netlink;
using VmNet.Daemon.Node;
using VmNet.Daemon.Pods;
using VmNet.Daemon.Tests.Netlink;
using VmNet.Kube;
using VmNet.Kube.Config;
using VmNet.Kube.Models;
using static VmNet.Daemon.Tests.Node.NodeTestObjects;

namespace VmNet.Daemon.Tests.Node;

/// <summary>
/// The default VPC's name comes from <c>--cluster-router</c> (Kube-OVN's flag on controller and daemon, default
/// ovn-cluster): which Subnets get a host route through ovn0 follows it, in the plan and in the kernel.
/// </summary>
public sealed class NodeClusterRouterTests
{
    [Fact]
    public void TheFlagSetsTheDefaultVpcAndDefaultsToOvnCluster()
    {
        Assert.Equal("ovn-cluster", DaemonOptionsParser.Parse(["--node-name", "n1"]).ClusterRouter);
        Assert.Equal("main-vpc", DaemonOptionsParser.Parse(["--node-name", "n1", "--cluster-router", "main-vpc"]).ClusterRouter);
        var error = Assert.Throws<DaemonOptionsException>(() => DaemonOptionsParser.Parse(["--node-name", "n1", "--cluster-router", " "]));
        Assert.Contains("--cluster-router", error.Message, StringComparison.Ordinal);
        Assert.Contains("--cluster-router", DaemonOptionsParser.Usage, StringComparison.Ordinal);
    }

    [Fact]
    public void OnlyTheConfiguredDefaultVpcsSubnetsAreRouted()
    {
        var subnets = new[]
        {
            Subnet("implicit", "10.16.0.0/16"),
            Subnet("main", "10.17.0.0/24", vpc: "main-vpc"),
            Subnet("named-ovn-cluster", "10.18.0.0/24", vpc: "ovn-cluster"),
        };

        Assert.Equal(
            ["10.16.0.0/16 via 100.64.0.1 dev ovn0", "10.17.0.0/24 via 100.64.0.1 dev ovn0"],
            HostRoutePlan.SubnetRoutes(Join, subnets, [], "ovn0", "main-vpc").Select(r => r.ToString()).ToArray());
        Assert.Equal(
            ["10.16.0.0/16 via 100.64.0.1 dev ovn0", "10.18.0.0/24 via 100.64.0.1 dev ovn0"],
            HostRoutePlan.SubnetRoutes(Join, subnets, [], "ovn0", HostRoutePlan.DefaultClusterRouter).Select(r => r.ToString()).ToArray());
    }

    [Fact]
    public async Task TheSubnetWatcherRoutesTheConfiguredDefaultVpcInTheKernel()
    {
        await using var api = new KubeApiServer(new ApiServerOptions());
        await api.StartAsync();
        using var kube = new KubeClient(new KubeConfig(api.BaseAddress));
        foreach (var crd in VmNet.TestSupport.ControllerCrds.All)
        {
            await kube.CreateAsync(crd);
        }

        var node = await kube.CreateAsync(new V1Node { Metadata = new V1ObjectMeta { Name = "node1" } });
        node.Status = new V1NodeStatus { Addresses = [new V1NodeAddress { Type = "InternalIP", Address = "172.18.0.2" }] };
        await kube.ReplaceStatusAsync(node);
        await CreateValidatedAsync(kube, Subnet("implicit", "10.16.0.0/16"));
        await CreateValidatedAsync(kube, Subnet("main", "10.17.0.0/24", vpc: "main-vpc"));
        await CreateValidatedAsync(kube, Subnet("named-ovn-cluster", "10.18.0.0/24", vpc: "ovn-cluster"));

        using var ns = new TestNetns(TestNames.NewPrefix() + "r");
        IpTool.Run("ip", "-n", ns.Name, "link", "add", "ovn0", "type", "veth", "peer", "name", "ovn0p");
        IpTool.Run("ip", "-n", ns.Name, "link", "set", "ovn0", "up");
        IpTool.Run("ip", "-n", ns.Name, "link", "set", "ovn0p", "up");
        IpTool.Run("ip", "-n", ns.Name, "addr", "add", "100.64.0.2/16", "dev", "ovn0");
        using var host = await HostNetwork.OpenAsync(ns.Name, CancellationToken.None);
        var options = new DaemonOptions { NodeName = "node1", ClusterRouter = "main-vpc" };
        var watcher = new SubnetRouteWatcher(kube, new HostRouteSync(host.Links), options, NullLogger.Instance);
        using var stop = new CancellationTokenSource();
        var run = watcher.RunAsync(Join, "ovn0", stop.Token);
        try
        {
            var routed = await RoutedAsync(ns.Name, r => r.Contains("10.16.0.0/16") && r.Contains("10.17.0.0/24"));
            Assert.DoesNotContain("10.18.0.0/24", routed);

            // A subnet moved into the configured default VPC gains its route (watch, not only the first list).
            var moved = await kube.GetAsync<V1Subnet>(null, "named-ovn-cluster");
            moved.Spec!.Vpc = "main-vpc";
            await kube.ReplaceAsync(moved);
            await RoutedAsync(ns.Name, r => r.Contains("10.18.0.0/24"));
        }
        finally
        {
            await stop.CancelAsync();
            try
            {
                await run.WaitAsync(TimeSpan.FromSeconds(30));
            }
            catch (OperationCanceledException)
            {
                // The watcher ends by cancellation.
            }
        }
    }

    private static async Task CreateValidatedAsync(IKubeClient kube, V1Subnet subnet)
    {
        var status = subnet.Status;
        subnet.Status = null;
        var created = await kube.CreateAsync(subnet);
        created.Status = status;
        await kube.ReplaceStatusAsync(created);
    }

    /// <summary>The destinations routed via 100.64.0.1 on ovn0 once <paramref name="until"/> holds (20 s at most).</summary>
    private static async Task<IReadOnlyList<string>> RoutedAsync(string ns, Func<IReadOnlyList<string>, bool> until)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            var routed = IpTool.Json(ns, "route", "show", "dev", "ovn0").EnumerateArray()
                .Where(r => r.TryGetProperty("gateway", out var gw) && gw.GetString() == "100.64.0.1")
                .Select(r => r.GetProperty("dst").GetString()!)
                .ToArray();
            if (until(routed))
            {
                return routed;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new Xunit.Sdk.XunitException($"ovn0 routes never matched; last: [{string.Join(", ", routed)}]");
            }

            await Task.Delay(100);
        }
    }
}
