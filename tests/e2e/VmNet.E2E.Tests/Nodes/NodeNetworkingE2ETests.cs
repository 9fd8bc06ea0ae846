using System.Text.Json;
using VmNet.E2E.Rig;
using VmNet.E2E.Stack;
using VmNet.Kube;
using VmNet.Kube.Models;
using VmNet.Sandbox.Rig;
using VmNet.Sandbox.Stack;

namespace VmNet.E2E.Nodes;

/// <summary>
/// Node networking end to end on real OVN/OVS: the controller's join allocation reaches each node's ovn0, the
/// node reaches pods on the other node through its host routes, pods reach nodes (join IP and InternalIP via
/// the 30000 reroute policy), ovn-trace agrees (also for the 29000 distributed gateway), and node deletion
/// releases everything.
/// </summary>
[Collection(RigCollection.Name)]
public sealed class NodeNetworkingE2ETests(NodeNetworkingFixture fixture) : IClassFixture<NodeNetworkingFixture>
{
    private VmNetStack Stack => fixture.Stack;

    [Fact]
    public async Task NodesReachPodsAcrossNodesThroughOvn0AndPodsReachNodes()
    {
        var node1 = Stack.Nodes[0];
        var node2 = Stack.Nodes[1];
        var join1 = await JoinAsync(node1);
        await JoinAsync(node2);

        // ovn0 carries exactly the annotated IP and MAC; the host routes go through it; the daemon saw the gateway answer.
        foreach (var node in Stack.Nodes)
        {
            var join = await JoinAsync(node);
            await StackAssert.EventuallyAsync(Stack, $"{node.Name} ovn0 up with {join.Ip}", async () => (await Ovn0Async(node)) is { } link && HasAddress(link, join.Ip));
            var ovn0 = (await Ovn0Async(node))!.Value;
            Assert.Equal(join.Mac, ovn0.GetProperty("address").GetString());
            await StackAssert.EventuallyAsync(Stack, $"{node.Name} route to ovn-default via ovn0", async () => (await RouteAsync(node, VmNetStack.DefaultCidr)).Contains($"\"gateway\":\"{join.Gateway}\",\"dev\":\"ovn0\"", StringComparison.Ordinal));
            await StackAssert.EventuallyAsync(Stack, $"{node.Name} NetworkUnavailable=False", async () => await ConditionAsync(node.Name) is { Status: "False", Reason: "JoinSubnetGatewayReachable" }, 60);
        }

        var pod = await Stack.Kubelet.CreatePodAsync(new PodRequest(node2) { Label = "nodes" });
        StackAssert.Succeeded(await Stack.Kubelet.AddAsync(pod), Stack);
        var podIp = await StackAssert.AnnotationAsync(Stack, pod, "ovn.kubernetes.io/ip_address");
        var podMac = await StackAssert.AnnotationAsync(Stack, pod, "ovn.kubernetes.io/mac_address");

        var fromNode = await node1.ExecAsync("ping", ["-c", "3", "-i", "0.2", "-W", "2", podIp]);
        Assert.True(fromNode.Succeeded, $"node1 -> pod {podIp}: {fromNode.Stdout}{fromNode.Stderr}\n{Stack.Diagnostics()}");
        var toJoin = await pod.PingAsync(join1.Ip);
        Assert.True(toJoin.Succeeded, $"pod -> node1 join {join1.Ip}: {toJoin.Stdout}{toJoin.Stderr}");
        var internalIp = NodeNetworkingFixture.InternalIp(node1);
        var toInternal = await pod.PingAsync(internalIp);
        Assert.True(toInternal.Succeeded, $"pod -> node1 InternalIP {internalIp} (30000 reroute): {toInternal.Stdout}{toInternal.Stderr}");

        // ovn-trace agrees: node1's join port reaches the pod's port; the pod's packet to node1's InternalIP is
        // rerouted by the 30000 policy to node1's join port.
        var joinRouterMac = await RouterMacAsync("ovn-cluster-join");
        var nodeToPod = await Stack.Rig.Central.TraceAsync(
        [
            "--minimal", VmNetStack.JoinSubnet,
            $"inport==\"node-{node1.Name}\" && eth.src=={join1.Mac} && eth.dst=={joinRouterMac} && ip4.src=={join1.Ip} && ip4.dst=={podIp} && ip.ttl==64 && icmp4.type==8",
        ]);
        Assert.Contains($"output(\"{pod.PortName}\")", nodeToPod.Stdout, StringComparison.Ordinal);
        var podRouterMac = await RouterMacAsync("ovn-cluster-ovn-default");
        var podToNode = await Stack.Rig.Central.TraceAsync(
        [
            VmNetStack.DefaultSubnet,
            $"inport==\"{pod.PortName}\" && eth.src=={podMac} && eth.dst=={podRouterMac} && ip4.src=={podIp} && ip4.dst=={internalIp} && ip.ttl==64 && icmp4.type==8",
        ]);
        // (the default route via the join gateway picks the router's join port, then policy 30000 sets the next hop)
        var rerouted = podToNode.Stdout.Contains($"ip4.dst == {internalIp}, priority 30000", StringComparison.Ordinal)
            && podToNode.Stdout.Contains($"reg0 = {join1.Ip};", StringComparison.Ordinal)
            && podToNode.Stdout.Contains($"/* output to \"node-{node1.Name}\"", StringComparison.Ordinal);
        Assert.True(rerouted, podToNode.Stdout);

        // Distributed gateway: the pod's traffic leaving the cluster goes out through its own node (node2), policy 29000.
        var join2 = await JoinAsync(node2);
        var podToOutside = await Stack.Rig.Central.TraceAsync(
        [
            VmNetStack.DefaultSubnet,
            $"inport==\"{pod.PortName}\" && eth.src=={podMac} && eth.dst=={podRouterMac} && ip4.src=={podIp} && ip4.dst==203.0.113.9 && ip.ttl==64 && icmp4.type==8",
        ]);
        var viaOwnNode = podToOutside.Stdout.Contains(", priority 29000", StringComparison.Ordinal)
            && podToOutside.Stdout.Contains($"reg0 = {join2.Ip};", StringComparison.Ordinal)
            && podToOutside.Stdout.Contains($"/* output to \"node-{node2.Name}\"", StringComparison.Ordinal);
        Assert.True(viaOwnNode, podToOutside.Stdout);

        // ovn0 deleted behind the daemon's back: plugged again, with its address and routes.
        await node2.VsctlAsync(["del-port", "br-int", "ovn0"]);
        var rejoined = await JoinAsync(node2);
        await StackAssert.EventuallyAsync(Stack, "node2 ovn0 plugged again", async () => (await Ovn0Async(node2)) is { } back && HasAddress(back, rejoined.Ip), 30);
        await StackAssert.EventuallyAsync(Stack, "node2 route to ovn-default back", async () => (await RouteAsync(node2, VmNetStack.DefaultCidr)).Contains("\"dev\":\"ovn0\"", StringComparison.Ordinal), 30);
        var again = await node2.ExecAsync("ping", ["-c", "3", "-i", "0.2", "-W", "2", rejoined.Gateway]);
        Assert.True(again.Succeeded, $"node2 -> join gateway after re-plug: {again.Stdout}{again.Stderr}\n{Stack.Diagnostics()}");

        StackAssert.Succeeded(await Stack.Kubelet.DelAsync(pod), Stack);
        await Stack.Kubelet.RemovePodAsync(pod);
    }

    [Fact]
    public async Task HostRoutesFollowSubnetsAndNodeDeletionReleasesItsJoinPort()
    {
        await Stack.Kube.CreateAsync(new V1Subnet
        {
            Metadata = new V1ObjectMeta { Name = "nodes-e2e" },
            Spec = new V1SubnetSpec { CidrBlock = "10.66.0.0/24", Protocol = "IPv4" },
        });
        foreach (var node in Stack.Nodes)
        {
            await StackAssert.EventuallyAsync(Stack, $"{node.Name} route to 10.66.0.0/24 via ovn0", async () => (await RouteAsync(node, "10.66.0.0/24")).Contains("\"dev\":\"ovn0\"", StringComparison.Ordinal), 30);
        }

        await Stack.Kube.DeleteAsync<V1Subnet>(null, "nodes-e2e");
        foreach (var node in Stack.Nodes)
        {
            await StackAssert.EventuallyAsync(Stack, $"{node.Name} route to 10.66.0.0/24 removed", async () => (await RouteAsync(node, "10.66.0.0/24")).Trim() == "[]", 30);
        }

        // A third Node (no OVS behind it): the controller gives it a join port and a reroute policy, and takes both back.
        await Stack.Kube.CreateAsync(new V1Node { Metadata = new V1ObjectMeta { Name = "node-extra" } });
        await NodeNetworkingFixture.SetInternalIpAsync(Stack.Kube, "node-extra", "192.0.2.77");
        string? ip = null;
        await StackAssert.EventuallyAsync(Stack, "node-extra join annotations", async () =>
            (ip = (await Stack.Kube.GetAsync<V1Node>(null, "node-extra")).Metadata?.Annotations?.GetValueOrDefault("ovn.kubernetes.io/ip_address")) is not null);
        await StackAssert.EventuallyAsync(Stack, "node-extra reroute policy", async () => (await PoliciesAsync()).Contains("ip4.dst == 192.0.2.77", StringComparison.Ordinal));
        Assert.Contains("node-node-extra", (await Stack.Rig.Central.NbctlAsync(["lsp-list", VmNetStack.JoinSubnet])).Stdout, StringComparison.Ordinal);

        await Stack.Kube.DeleteAsync<V1Node>(null, "node-extra");
        await StackAssert.EventuallyAsync(Stack, "node-extra join port removed", async () => !(await Stack.Rig.Central.NbctlAsync(["lsp-list", VmNetStack.JoinSubnet])).Stdout.Contains("node-node-extra", StringComparison.Ordinal));
        await StackAssert.EventuallyAsync(Stack, "node-extra policy removed", async () => !(await PoliciesAsync()).Contains("192.0.2.77", StringComparison.Ordinal));
        await StackAssert.EventuallyAsync(Stack, "IP CR node-node-extra deleted", async () =>
        {
            try
            {
                await Stack.Kube.GetAsync<V1IP>(null, "node-node-extra");
                return false;
            }
            catch (KubeNotFoundException)
            {
                return true;
            }
        });
        Assert.DoesNotContain(ip!, (await Stack.Rig.Central.NbctlAsync(["--bare", "--columns=addresses", "list", "Logical_Switch_Port"])).Stdout, StringComparison.Ordinal);

        // A join CIDR change: the controller re-addresses the nodes, each daemon re-addresses ovn0 and re-routes.
        var joinSubnet = await Stack.Kube.GetAsync<V1Subnet>(null, VmNetStack.JoinSubnet);
        joinSubnet.Spec!.CidrBlock = "100.72.0.0/16";
        joinSubnet.Spec.Gateway = null;
        joinSubnet.Spec.ExcludeIps = null;
        await Stack.Kube.ReplaceAsync(joinSubnet);
        foreach (var node in Stack.Nodes)
        {
            string? newIp = null;
            await StackAssert.EventuallyAsync(Stack, $"{node.Name} re-addressed in 100.72.0.0/16", async () =>
                (newIp = (await Stack.Kube.GetAsync<V1Node>(null, node.Name)).Metadata?.Annotations?.GetValueOrDefault("ovn.kubernetes.io/ip_address"))?.StartsWith("100.72.", StringComparison.Ordinal) == true, 30);
            await StackAssert.EventuallyAsync(Stack, $"{node.Name} ovn0 has only {newIp}", async () =>
                (await Ovn0Async(node)) is { } link && HasAddress(link, newIp!) && !link.GetProperty("addr_info").EnumerateArray().Any(a => a.GetProperty("local").GetString()!.StartsWith("100.64.", StringComparison.Ordinal)), 30);
            await StackAssert.EventuallyAsync(Stack, $"{node.Name} route to ovn-default via 100.72.0.1", async () => (await RouteAsync(node, VmNetStack.DefaultCidr)).Contains("\"gateway\":\"100.72.0.1\",\"dev\":\"ovn0\"", StringComparison.Ordinal), 30);
            var gatewayPing = await node.ExecAsync("ping", ["-c", "2", "-i", "0.2", "-W", "2", "100.72.0.1"]);
            Assert.True(gatewayPing.Succeeded, $"{node.Name} -> new join gateway: {gatewayPing.Stdout}{gatewayPing.Stderr}\n{Stack.Diagnostics()}");
        }
    }

    private sealed record JoinAddress(string Ip, string Mac, string Gateway);

    private async Task<JoinAddress> JoinAsync(OvsNode node)
    {
        Dictionary<string, string>? annotations = null;
        await StackAssert.EventuallyAsync(Stack, $"{node.Name} join annotations", async () =>
            (annotations = (await Stack.Kube.GetAsync<V1Node>(null, node.Name)).Metadata?.Annotations)?.GetValueOrDefault("ovn.kubernetes.io/allocated") == "true", 30);
        Assert.Equal($"node-{node.Name}", annotations!["ovn.kubernetes.io/port_name"]);
        return new JoinAddress(annotations["ovn.kubernetes.io/ip_address"], annotations["ovn.kubernetes.io/mac_address"], annotations["ovn.kubernetes.io/gateway"]);
    }

    private static async Task<JsonElement?> Ovn0Async(OvsNode node)
    {
        var result = await node.ExecAsync("ip", ["-j", "addr", "show", "ovn0"]);
        if (!result.Succeeded)
        {
            return null;
        }

        using var document = JsonDocument.Parse(result.Stdout);
        return document.RootElement.GetArrayLength() == 0 ? null : document.RootElement[0].Clone();
    }

    private static bool HasAddress(JsonElement link, string ip) =>
        link.TryGetProperty("addr_info", out var addresses) && addresses.EnumerateArray().Any(a => a.GetProperty("local").GetString() == ip);

    private static async Task<string> RouteAsync(OvsNode node, string cidr) =>
        (await node.ExecAsync("ip", ["-j", "route", "show", cidr])).Stdout;

    private async Task<V1NodeCondition?> ConditionAsync(string node) =>
        (await Stack.Kube.GetAsync<V1Node>(null, node)).Status?.Conditions?.FirstOrDefault(c => c.Type == "NetworkUnavailable");

    private async Task<string> PoliciesAsync() => (await Stack.Rig.Central.NbctlAsync(["lr-policy-list", VmNetStack.ClusterRouter])).Stdout;

    private async Task<string> RouterMacAsync(string port) =>
        (await Stack.Rig.Central.NbctlAsync(["get", "Logical_Router_Port", port, "mac"])).Stdout.Trim().Trim('"');
}
