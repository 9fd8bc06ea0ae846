using System.Net;
using System.Text.Json;
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
/// The node's ovn0 routes and gateway check against the real kernel, in a namespace made for the test
/// (a veth end stands in for ovn0); `ip -j route` is the independent witness.
/// </summary>
public sealed class NodeNetworkingKernelTests
{
    [Fact]
    public async Task SubnetRoutesFollowThePlanAndLeaveOtherRoutesAlone()
    {
        using var ns = new TestNetns(TestNames.NewPrefix() + "n");
        const string device = "ovn0";
        UpVeth(ns.Name, device);
        UpVeth(ns.Name, "eth0");
        IpTool.Run("ip", "-n", ns.Name, "addr", "add", "172.18.0.2/16", "dev", "eth0");
        IpTool.Run("ip", "-n", ns.Name, "route", "add", "10.99.0.0/24", "via", "172.18.0.1", "dev", "eth0");
        using var host = await HostNetwork.OpenAsync(ns.Name, CancellationToken.None);
        var sync = new HostRouteSync(host.Links);

        // No address on ovn0 yet: the join route is added explicitly, and only once.
        Assert.Single(await sync.EnsureOnLinkAsync(HostRoutePlan.JoinRoutes(Join, device), device, CancellationToken.None));
        Assert.Empty(await sync.EnsureOnLinkAsync(HostRoutePlan.JoinRoutes(Join, device), device, CancellationToken.None));
        Assert.Contains(Routes(ns.Name, device), r => r.Dst == "100.64.0.0/16" && r.Gateway is null && r.Scope == "link");

        var subnets = new[] { Subnet("ovn-default", "10.16.0.0/16"), Subnet("extra", "10.77.0.0/24") };
        var changes = await sync.SyncGatewayRoutesAsync(HostRoutePlan.SubnetRoutes(Join, subnets, [], device, "ovn-cluster"), device, CancellationToken.None);
        Assert.Equal(2, changes.Added.Count);
        Assert.Contains(Routes(ns.Name, device), r => r.Dst == "10.16.0.0/16" && r.Gateway == "100.64.0.1");
        Assert.Contains(Routes(ns.Name, device), r => r.Dst == "10.77.0.0/24" && r.Gateway == "100.64.0.1");

        // Unchanged plan: nothing to do. A subnet gone: its route goes, the others and eth0's route stay.
        Assert.False((await sync.SyncGatewayRoutesAsync(HostRoutePlan.SubnetRoutes(Join, subnets, [], device, "ovn-cluster"), device, CancellationToken.None)).Any);
        changes = await sync.SyncGatewayRoutesAsync(HostRoutePlan.SubnetRoutes(Join, subnets[..1], [], device, "ovn-cluster"), device, CancellationToken.None);
        Assert.Equal("10.77.0.0/24", Assert.Single(changes.Removed).Destination!.Value.ToString());
        Assert.DoesNotContain(Routes(ns.Name, device), r => r.Dst == "10.77.0.0/24");
        Assert.Contains(Routes(ns.Name, device), r => r.Dst == "10.16.0.0/16");
        Assert.Contains(Routes(ns.Name, device), r => r.Dst == "100.64.0.0/16");
        Assert.Contains(Routes(ns.Name, "eth0"), r => r.Dst == "10.99.0.0/24" && r.Gateway == "172.18.0.1");
    }

    [Fact]
    public async Task GatewayPingAnswersOrTimesOut()
    {
        using var ns = new TestNetns(TestNames.NewPrefix() + "p");
        IpTool.Run("ip", "-n", ns.Name, "link", "set", "lo", "up");
        UpVeth(ns.Name, "ovn0");
        IpTool.Run("ip", "-n", ns.Name, "addr", "add", "100.64.0.2/16", "dev", "ovn0");
        using var host = await HostNetwork.OpenAsync(ns.Name, CancellationToken.None);
        // The ping writes nothing: a client of an address nothing listens on proves it.
        using var unused = new KubeClient(new KubeConfig(new Uri("http://127.0.0.1:9")));
        var check = new JoinGatewayCheck(host, unused);

        Assert.True(await check.PingAsync(IPAddress.Parse("100.64.0.2"), TimeSpan.FromSeconds(5), CancellationToken.None));
        var started = DateTime.UtcNow;
        Assert.False(await check.PingAsync(IPAddress.Parse("100.64.0.1"), TimeSpan.FromSeconds(1), CancellationToken.None));
        Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task ConditionIsWrittenThroughTheStatusSubresourceKeepingOtherConditions()
    {
        await using var api = new ApiServer.KubeApiServer(new ApiServerOptions());
        await api.StartAsync();
        using var kube = new KubeClient(new KubeConfig(api.BaseAddress));
        var node = await kube.CreateAsync(new V1Node { Metadata = new V1ObjectMeta { Name = "node1" } });
        node.Status = new V1NodeStatus { Conditions = [new V1NodeCondition { Type = "Ready", Status = "True", Reason = "KubeletReady" }] };
        await kube.ReplaceStatusAsync(node);
        using var ns = new TestNetns(TestNames.NewPrefix() + "c");
        using var host = await HostNetwork.OpenAsync(ns.Name, CancellationToken.None);
        var check = new JoinGatewayCheck(host, kube);

        await check.SetConditionAsync("node1", reachable: false, "gateway 100.64.0.1 does not answer", CancellationToken.None);
        var unreachable = Condition(await kube.GetAsync<V1Node>(null, "node1"));
        Assert.Equal(("True", JoinGatewayCheck.UnreachableReason), (unreachable.Status, unreachable.Reason));

        await check.SetConditionAsync("node1", reachable: true, "gateway 100.64.0.1 answers", CancellationToken.None);
        await check.SetConditionAsync("node1", reachable: true, "gateway 100.64.0.1 answers", CancellationToken.None);
        var stored = await kube.GetAsync<V1Node>(null, "node1");
        var reachable = Condition(stored);
        Assert.Equal(("False", JoinGatewayCheck.ReachableReason, "gateway 100.64.0.1 answers"), (reachable.Status, reachable.Reason, reachable.Message));
        Assert.Single(stored.Status!.Conditions!, c => c.Type == JoinGatewayCheck.ConditionType);
        Assert.Contains(stored.Status.Conditions!, c => c.Type == "Ready" && c.Status == "True");
    }

    [Fact]
    public void TransitionTimeMovesOnlyWhenTheStatusChanges()
    {
        var t0 = DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        var first = JoinGatewayCheck.Apply(null, reachable: true, "ok", t0);
        var same = JoinGatewayCheck.Apply(first, reachable: true, "ok", t0.AddMinutes(1));
        var flipped = JoinGatewayCheck.Apply(same, reachable: false, "down", t0.AddMinutes(2));
        Assert.Equal(t0, same.Single().LastTransitionTime);
        Assert.Equal(t0.AddMinutes(1), same.Single().LastHeartbeatTime);
        Assert.Equal(t0.AddMinutes(2), flipped.Single().LastTransitionTime);
    }

    /// <summary>A veth pair (no dummy driver on every kernel) with both ends up, so it has carrier.</summary>
    private static void UpVeth(string ns, string name)
    {
        IpTool.Run("ip", "-n", ns, "link", "add", name, "type", "veth", "peer", "name", name + "p");
        IpTool.Run("ip", "-n", ns, "link", "set", name, "up");
        IpTool.Run("ip", "-n", ns, "link", "set", name + "p", "up");
    }

    private static V1NodeCondition Condition(V1Node node) => node.Status!.Conditions!.Single(c => c.Type == JoinGatewayCheck.ConditionType);

    private sealed record Route(string Dst, string? Gateway, string? Scope);

    private static List<Route> Routes(string ns, string device) =>
        IpTool.Json(ns, "route", "show", "dev", device).EnumerateArray()
            .Select(r => new Route(
                r.GetProperty("dst").GetString()!,
                r.TryGetProperty("gateway", out var gw) ? gw.GetString() : null,
                r.TryGetProperty("scope", out var scope) && scope.ValueKind == JsonValueKind.String ? scope.GetString() : null))
            .ToList();
}
