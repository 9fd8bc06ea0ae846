using System.Net;
using VmNet.Controller.Hosting;
using VmNet.Controller.Nodes;
using VmNet.Controller.Tests.Topology;
using VmNet.Kube;
using VmNet.Kube.Models;

namespace VmNet.Controller.Tests.Nodes;

/// <summary>
/// The full controller (every module) against the in-process API server and a real OVN central: node join
/// addresses, annotations, IP CRs, join ports and the cluster router's policies and routes, checked with
/// ovn-nbctl (lr-policy-list, lr-route-list, lsp-get-addresses), an independent client.
/// </summary>
public sealed class NodeNetworkingTests
{
    [Fact]
    public async Task NodesGetKubeOvnAnnotationsIpCrPortAndRouterRows()
    {
        await using var harness = await TopologyHarness.StartAsync();
        await StartAsync(harness);
        await NodeWorld.CreateAsync(harness.Client, "node1", "172.18.0.2");
        await NodeWorld.CreateAsync(harness.Client, "node2", "172.18.0.3");
        var node1 = await NodeWorld.JoinedAsync(harness, "node1");
        var node2 = await NodeWorld.JoinedAsync(harness, "node2");

        var a1 = node1.Metadata!.Annotations!;
        var ip1 = a1["ovn.kubernetes.io/ip_address"];
        Assert.Equal("100.64.0.0/16", a1["ovn.kubernetes.io/cidr"]);
        Assert.Equal("100.64.0.1", a1["ovn.kubernetes.io/gateway"]);
        Assert.Equal("join", a1["ovn.kubernetes.io/logical_switch"]);
        Assert.Equal("node-node1", a1["ovn.kubernetes.io/port_name"]);
        Assert.Equal("true", a1["ovn.kubernetes.io/allocated"]);
        Assert.Matches("^[0-9a-f]{2}(:[0-9a-f]{2}){5}$", a1["ovn.kubernetes.io/mac_address"]);
        Assert.True(IPAddress.TryParse(ip1, out var parsed) && parsed.ToString().StartsWith("100.64.0.", StringComparison.Ordinal), ip1);
        var ip2 = node2.Metadata!.Annotations!["ovn.kubernetes.io/ip_address"];
        Assert.NotEqual(ip1, ip2);
        Assert.NotEqual("100.64.0.1", ip1);

        // The IP CR as Kube-OVN writes it for a node.
        var cr = await harness.Client.GetAsync<V1IP>(null, "node-node1");
        Assert.Equal("node1", cr.Spec!.PodName);
        Assert.Equal("node1", cr.Spec.NodeName);
        Assert.Equal("join", cr.Spec.Subnet);
        Assert.Equal(ip1, cr.Spec.IpAddress);
        Assert.Equal(ip1, cr.Spec.V4IpAddress);
        Assert.Equal(a1["ovn.kubernetes.io/mac_address"], cr.Spec.MacAddress);
        Assert.Equal("join", cr.Metadata!.Labels!["ovn.kubernetes.io/subnet"]);
        Assert.Equal("node1", cr.Metadata.Labels["ovn.kubernetes.io/node-name"]);
        Assert.Contains(cr.Metadata.OwnerReferences!, o => o.Kind == "Node" && o.Name == "node1");

        // The join port: "mac ip", no port security, on the join switch.
        var central = harness.Central.Central;
        Assert.Equal($"{a1["ovn.kubernetes.io/mac_address"]} {ip1}", (await central.NbctlAsync(["lsp-get-addresses", "node-node1"])).Stdout.Trim());
        Assert.Equal(string.Empty, (await central.NbctlAsync(["lsp-get-port-security", "node-node1"])).Stdout.Trim());
        Assert.Contains("node-node1", (await central.NbctlAsync(["lsp-list", "join"])).Stdout, StringComparison.Ordinal);

        var policies = await NodeWorld.PoliciesAsync(harness, p => p.Contains("reroute", StringComparison.Ordinal) && p.Contains(ip2, StringComparison.Ordinal));
        Assert.Contains(policies, p => NodeWorld.Is(p, "30000", "ip4.dst == 172.18.0.2", "reroute", ip1));
        Assert.Contains(policies, p => NodeWorld.Is(p, "30000", "ip4.dst == 172.18.0.3", "reroute", ip2));
        Assert.Contains(policies, p => NodeWorld.Is(p, "31000", "ip4.dst == 10.16.0.0/16", "allow"));
        Assert.Contains(policies, p => NodeWorld.Is(p, "31000", "ip4.dst == 100.64.0.0/16", "allow"));
        var routes = (await central.NbctlAsync(["lr-route-list", "ovn-cluster"])).Stdout;
        Assert.Matches(@"0\.0\.0\.0/0\s+100\.64\.0\.1\s+dst-ip", routes);
    }

    [Fact]
    public async Task SubnetsAddAndRemoveTheirAllowPolicy()
    {
        await using var harness = await TopologyHarness.StartAsync();
        await StartAsync(harness);
        await harness.CreateSubnetAsync("extra", "10.77.0.0/24");
        await NodeWorld.PoliciesAsync(harness, p => p.Contains("ip4.dst == 10.77.0.0/24", StringComparison.Ordinal));
        await harness.CreateSubnetAsync("other-vpc-net", "10.78.0.0/24", vpc: "tenant");

        await harness.Client.DeleteAsync<V1Subnet>(null, "extra");
        var policies = await NodeWorld.PoliciesAsync(harness, p => !p.Contains("10.77.0.0/24", StringComparison.Ordinal));
        Assert.Contains(policies, p => NodeWorld.Is(p, "31000", "ip4.dst == 10.16.0.0/16", "allow"));
        Assert.DoesNotContain(policies, p => p.Contains("10.78.0.0/24", StringComparison.Ordinal));

        // A policy of ours deleted by hand in OVN is put back.
        await harness.Central.Central.NbctlAsync(["lr-policy-del", "ovn-cluster", "31000", "ip4.dst == 10.16.0.0/16"]);
        await NodeWorld.PoliciesAsync(harness, p => p.Contains("ip4.dst == 10.16.0.0/16", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RestartKeepsJoinAddressesAndDeletionReleasesEverything()
    {
        await using var harness = await TopologyHarness.StartAsync();
        var first = await StartAsync(harness);
        await NodeWorld.CreateAsync(harness.Client, "node1", "172.18.0.2");
        await NodeWorld.CreateAsync(harness.Client, "node2", "172.18.0.3");
        var before1 = (await NodeWorld.JoinedAsync(harness, "node1")).Metadata!.Annotations!;
        var before2 = (await NodeWorld.JoinedAsync(harness, "node2")).Metadata!.Annotations!;
        await first.StopAsync();

        // A node created while no controller runs must not take node1's or node2's address.
        await NodeWorld.CreateAsync(harness.Client, "node3", "172.18.0.4");
        var second = await StartAsync(harness, "ctl-1");
        var node3 = await NodeWorld.JoinedAsync(harness, "node3");
        var after1 = (await harness.Client.GetAsync<V1Node>(null, "node1")).Metadata!.Annotations!;
        Assert.Equal(before1["ovn.kubernetes.io/ip_address"], after1["ovn.kubernetes.io/ip_address"]);
        Assert.Equal(before1["ovn.kubernetes.io/mac_address"], after1["ovn.kubernetes.io/mac_address"]);
        var ip3 = node3.Metadata!.Annotations!["ovn.kubernetes.io/ip_address"];
        Assert.NotEqual(before1["ovn.kubernetes.io/ip_address"], ip3);
        Assert.NotEqual(before2["ovn.kubernetes.io/ip_address"], ip3);
        Assert.Equal(3, second.Context.Ipam.FindSubnet("join")!.Allocations().Count);

        // Deleting node2: port, policy and IP CR go, and the address is free again.
        var ip2 = before2["ovn.kubernetes.io/ip_address"];
        await harness.Client.DeleteAsync<V1Node>(null, "node2");
        await TopologyHarness.EventuallyAsync(() => NodeWorld.IpCrExistsAsync(harness, "node-node2"), exists => !exists, "IP CR node-node2 deleted");
        await TopologyHarness.EventuallyAsync(
            () => Task.FromResult(second.Context.Ipam.FindByNic("node-node2")), a => a is null, "node-node2 released in IPAM");
        await TopologyHarness.EventuallyAsync(() => harness.FindAsync("Logical_Switch_Port", "node-node2"), row => row is null, "LSP node-node2 deleted");
        var policies = await NodeWorld.PoliciesAsync(harness, p => !p.Contains(ip2, StringComparison.Ordinal) && !p.Contains("172.18.0.3", StringComparison.Ordinal));
        Assert.Contains(policies, p => p.Contains("172.18.0.2", StringComparison.Ordinal));

        // IPAM holds exactly the two live nodes' addresses (nothing leaked).
        Assert.Equal(2, second.Context.Ipam.FindSubnet("join")!.Allocations().Count);
    }

    [Fact]
    public async Task BadInputGivesAnEventAndNoHalfState()
    {
        await using var harness = await TopologyHarness.StartAsync();
        await harness.Client.CreateAsync(new V1Subnet
        {
            Metadata = new V1ObjectMeta { Name = "join" },
            Spec = new V1SubnetSpec { CidrBlock = "100.64.0.0/30", Vpc = "ovn-cluster", Provider = "ovn" },
        });
        await StartAsync(harness);

        // No InternalIP: an event naming the field, nothing made.
        var bare = await harness.Client.CreateAsync(new V1Node { Metadata = new V1ObjectMeta { Name = "bare" } });
        bare.Status = new V1NodeStatus { Addresses = [new V1NodeAddress { Type = "Hostname", Address = "bare" }] };
        await harness.Client.ReplaceStatusAsync(bare);
        var events = await TopologyHarness.EventuallyAsync(() => harness.EventsForAsync("Node", "bare"), e => e.Any(x => x.Reason == NodeJoinReconciler.NoInternalIpReason), "NodeInternalIpMissing event");
        Assert.Contains("status.addresses has no InternalIP", events.First(e => e.Reason == NodeJoinReconciler.NoInternalIpReason).Message, StringComparison.Ordinal);

        // A /30 join subnet has one address besides its gateway: the second node gets an event and nothing else.
        await NodeWorld.CreateAsync(harness.Client, "first", "172.18.0.2");
        await NodeWorld.JoinedAsync(harness, "first");
        await NodeWorld.CreateAsync(harness.Client, "second", "172.18.0.3");
        events = await TopologyHarness.EventuallyAsync(() => harness.EventsForAsync("Node", "second"), e => e.Any(x => x.Reason == NodeJoinReconciler.AllocationFailedReason), "AllocateJoinAddressFailed event");
        Assert.Contains("subnet join", events.First(e => e.Reason == NodeJoinReconciler.AllocationFailedReason).Message, StringComparison.Ordinal);

        Assert.False(await NodeWorld.IpCrExistsAsync(harness, "node-bare"));
        Assert.False(await NodeWorld.IpCrExistsAsync(harness, "node-second"));
        foreach (var name in new[] { "bare", "second" })
        {
            var node = await harness.Client.GetAsync<V1Node>(null, name);
            Assert.False(node.Metadata!.Annotations?.ContainsKey("ovn.kubernetes.io/ip_address") == true, $"node {name} annotated");
            Assert.Null(await harness.FindAsync("Logical_Switch_Port", "node-" + name));
        }

        var policies = (await harness.Central.Central.NbctlAsync(["lr-policy-list", "ovn-cluster"])).Stdout;
        Assert.DoesNotContain("172.18.0.3", policies, StringComparison.Ordinal);
        Assert.Contains("172.18.0.2", policies, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AJoinCidrChangeReaddressesNodesAndTheirRouterRows()
    {
        await using var harness = await TopologyHarness.StartAsync();
        await StartAsync(harness);
        await NodeWorld.CreateAsync(harness.Client, "node1", "172.18.0.2");
        var before = (await NodeWorld.JoinedAsync(harness, "node1")).Metadata!.Annotations!;

        var join = await harness.GetSubnetAsync("join");
        join.Spec!.CidrBlock = "100.65.0.0/16";
        join.Spec.Gateway = null;
        join.Spec.ExcludeIps = null;
        await harness.Client.ReplaceAsync(join);

        var after = (await TopologyHarness.EventuallyAsync(
            () => harness.Client.GetAsync<V1Node>(null, "node1"),
            n => n.Metadata?.Annotations?.GetValueOrDefault("ovn.kubernetes.io/cidr") == "100.65.0.0/16"
                && n.Metadata.Annotations.GetValueOrDefault("ovn.kubernetes.io/ip_address")?.StartsWith("100.65.", StringComparison.Ordinal) == true,
            "node1 readdressed in 100.65.0.0/16")).Metadata!.Annotations!;
        var ip = after["ovn.kubernetes.io/ip_address"];
        Assert.Equal("100.65.0.1", after["ovn.kubernetes.io/gateway"]);
        Assert.Equal(before["ovn.kubernetes.io/mac_address"], after["ovn.kubernetes.io/mac_address"]);
        await TopologyHarness.EventuallyAsync(() => harness.Client.GetAsync<V1IP>(null, "node-node1"), cr => cr.Spec?.IpAddress == ip, "IP CR node-node1 readdressed");
        await TopologyHarness.EventuallyAsync(
            async () => (await harness.Central.Central.NbctlAsync(["lsp-get-addresses", "node-node1"])).Stdout.Trim(),
            a => a == $"{after["ovn.kubernetes.io/mac_address"]} {ip}",
            "LSP node-node1 readdressed");
        var policies = await NodeWorld.PoliciesAsync(harness, p => p.Contains(ip, StringComparison.Ordinal) && p.Contains("100.65.0.0/16", StringComparison.Ordinal) && !p.Contains("100.64.0.0/16", StringComparison.Ordinal));
        Assert.Contains(policies, p => NodeWorld.Is(p, "30000", "ip4.dst == 172.18.0.2", "reroute", ip));
        await TopologyHarness.EventuallyAsync(
            async () => (await harness.Central.Central.NbctlAsync(["lr-route-list", "ovn-cluster"])).Stdout,
            routes => routes.Contains("100.65.0.1", StringComparison.Ordinal) && !routes.Contains("100.64.0.1", StringComparison.Ordinal),
            "default route via 100.65.0.1");
    }

    private static async Task<RunningController> StartAsync(TopologyHarness harness, string identity = "ctl-0")
    {
        var controller = await harness.StartControllerAsync(harness.Options(identity), ControllerModules.Discover());
        await harness.WaitDefaultTopologyAsync();
        return controller;
    }
}
