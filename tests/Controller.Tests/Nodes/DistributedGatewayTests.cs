using VmNet.Controller.Hosting;
using VmNet.Controller.Nodes;
using VmNet.Controller.Tests.Topology;
using VmNet.Kube;
using VmNet.Kube.Models;

namespace VmNet.Controller.Tests.Nodes;

/// <summary>
/// The distributed gateway (29000 policies over per-node port groups) with the full controller: checked with
/// ovn-nbctl and with ovn-trace, which resolves the port group's address set as northd builds it.
/// </summary>
public sealed class DistributedGatewayTests
{
    [Fact]
    public async Task PodTrafficLeavingTheClusterIsReroutedToItsOwnNode()
    {
        await using var harness = await TopologyHarness.StartAsync();
        await harness.StartControllerAsync(harness.Options(), ControllerModules.Discover());
        await harness.WaitDefaultTopologyAsync();
        await NodeWorld.CreateAsync(harness.Client, "node-a", "172.18.0.2");
        await NodeWorld.CreateAsync(harness.Client, "node-b", "172.18.0.3");
        var joinA = (await NodeWorld.JoinedAsync(harness, "node-a")).Metadata!.Annotations!["ovn.kubernetes.io/ip_address"];
        var joinB = (await NodeWorld.JoinedAsync(harness, "node-b")).Metadata!.Annotations!["ovn.kubernetes.io/ip_address"];

        await harness.Client.CreateAsync(Pod("web", "node-a"));
        await harness.Client.CreateAsync(Pod("db", "node-b"));
        var web = await AddressedAsync(harness, "web");
        await AddressedAsync(harness, "db");

        var policies = await NodeWorld.PoliciesAsync(harness, p => p.Contains("$ovn.default.node.b_ip4", StringComparison.Ordinal));
        Assert.Contains(policies, p => NodeWorld.Is(p, "29000", "ip4.src == $ovn.default.node.a_ip4", "reroute", joinA));
        Assert.Contains(policies, p => NodeWorld.Is(p, "29000", "ip4.src == $ovn.default.node.b_ip4", "reroute", joinB));
        Assert.DoesNotContain(policies, p => p.Contains("$join.", StringComparison.Ordinal));

        var central = harness.Central.Central;
        var webUuid = (await central.NbctlAsync(["get", "Logical_Switch_Port", "web.default", "_uuid"])).Stdout.Trim();
        await TopologyHarness.EventuallyAsync(
            async () => (await central.NbctlAsync(["get", "Port_Group", "ovn.default.node.a", "ports"])).Stdout,
            ports => ports.Contains(webUuid, StringComparison.Ordinal),
            "web.default in port group ovn.default.node.a");
        Assert.DoesNotContain(webUuid, (await central.NbctlAsync(["get", "Port_Group", "ovn.default.node.b", "ports"])).Stdout, StringComparison.Ordinal);

        // ovn-trace: web (on node-a) to an address outside the cluster leaves through node-a's join port.
        await central.NbctlAsync(["--wait=sb", "sync"]);
        var annotations = web.Metadata!.Annotations!;
        var routerMac = (await harness.FindAsync("Logical_Router_Port", "ovn-cluster-ovn-default"))!.String("mac");
        var trace = (await central.TraceAsync([
            "ovn-default",
            $"inport == \"web.default\" && eth.src == {annotations["ovn.kubernetes.io/mac_address"]} && eth.dst == {routerMac} && ip4.src == {annotations["ovn.kubernetes.io/ip_address"]} && ip4.dst == 203.0.113.9 && ip.ttl == 64 && icmp4.type == 8",
        ])).Stdout;
        Assert.True(trace.Contains(", priority 29000", StringComparison.Ordinal) && trace.Contains($"reg0 = {joinA};", StringComparison.Ordinal) && trace.Contains("output to \"node-node-a\"", StringComparison.Ordinal), trace);

        // The pod gone: out of the group. The node gone: its group and policy gone.
        await harness.Client.DeleteAsync<V1Pod>("default", "web");
        await TopologyHarness.EventuallyAsync(
            async () => (await central.NbctlAsync(["get", "Port_Group", "ovn.default.node.a", "ports"])).Stdout.Trim(),
            ports => ports == "[]",
            "port group ovn.default.node.a empty");
        await harness.Client.DeleteAsync<V1Node>(null, "node-a");
        await NodeWorld.PoliciesAsync(harness, p => !p.Contains("node.a", StringComparison.Ordinal) && p.Contains("$ovn.default.node.b_ip4", StringComparison.Ordinal));
        await TopologyHarness.EventuallyAsync(() => harness.FindAsync("Port_Group", "ovn.default.node.a"), row => row is null, "port group ovn.default.node.a deleted");
    }

    private static V1Pod Pod(string name, string node) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Namespace = "default" },
        Spec = new V1PodSpec { NodeName = node, Containers = [new V1Container { Name = "c", Image = "busybox" }] },
    };

    private static Task<V1Pod> AddressedAsync(TopologyHarness harness, string name) =>
        TopologyHarness.EventuallyAsync(
            () => harness.Client.GetAsync<V1Pod>("default", name),
            p => p.Metadata?.Annotations?.GetValueOrDefault("ovn.kubernetes.io/allocated") == "true",
            $"pod default/{name} addressed");
}
