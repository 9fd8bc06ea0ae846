using System.Text.Json;
using System.Text.Json.Nodes;
using VmNet.E2E.Daemon;
using VmNet.Kube;
using VmNet.Kube.Models;
using VmNet.Multus;
using VmNet.Sandbox.Rig;
using static VmNet.E2E.Multus.StackPods;

namespace VmNet.E2E.Multus;

/// <summary>
/// Multus secondary NICs end to end on our whole controller (real topology module) and our daemons on two nodes: a
/// pod has the default NIC plus three attachments: net1 on subnet A (private, the default route), n1 and n2 from
/// the same NAD on subnet B. Subnet A's isolation is proven with ping and ovn-trace from a pod on ovn-default.
/// </summary>
public sealed partial class MultusStackTests
{
    private const string Networks = "atta,attb@n1,attb@n2";
    private static readonly (string IfName, string NetconfProvider, string Provider)[] Nics =
    [
        ("eth0", "ovn", "ovn"),
        ("net1", "atta.default.ovn", "atta.default.ovn"),
        ("n1", "attb.default.ovn", "attb.default.ovn.n1"),
        ("n2", "attb.default.ovn", "attb.default.ovn.n2"),
    ];

    [Fact]
    public async Task EveryNicHasItsAddressMacAndRoutesOnlyTheChosenOneTheDefaultEachReachesItsPeerAndThePrivateSubnetIsIsolated()
    {
        var p1 = await PlugMultiAsync("mul1", fixture.Node1);
        var p2 = await PlugMultiAsync("mul2", fixture.Node2);

        foreach (var pod in new[] { p1, p2 })
        {
            var links = JsonDocument.Parse((await ExecAsync(pod.Netns, "ip", "-j", "addr", "show")).Stdout).RootElement;
            foreach (var (ifName, _, provider) in Nics)
            {
                var link = links.EnumerateArray().Single(l => l.GetProperty("ifname").GetString() == ifName);
                Assert.Equal(pod.Annotations[$"{provider}.kubernetes.io/mac_address"], link.GetProperty("address").GetString());
                var ip = pod.Annotations[$"{provider}.kubernetes.io/ip_address"];
                Assert.Contains(link.GetProperty("addr_info").EnumerateArray(), a => a.GetProperty("local").GetString() == ip);
                var cidr = pod.Annotations[$"{provider}.kubernetes.io/cidr"];
                Assert.Contains(cidr, (await ExecAsync(pod.Netns, "ip", "route", "show", "dev", ifName)).Stdout, StringComparison.Ordinal);
            }

            // Only net1 (atta) carries the default route, via its own gateway.
            var defaults = (await ExecAsync(pod.Netns, "ip", "-4", "route", "show", "default")).Stdout.Trim().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            var only = Assert.Single(defaults);
            Assert.Contains("via 10.201.0.1 dev net1", only, StringComparison.Ordinal);
        }

        // The IP CR of an attachment carries what Kube-OVN's multus e2e checks.
        foreach (var (_, _, provider) in Nics.Skip(1))
        {
            var cr = await fixture.Kube.GetAsync<V1IP>(null, $"{p2.Name}.default.{provider}");
            var subnet = provider.StartsWith("atta", StringComparison.Ordinal) ? "mul-a" : "mul-b";
            Assert.Equal((subnet, p2.Name, "default", fixture.Node2.Name), (cr.Spec!.Subnet, cr.Spec.PodName, cr.Spec.Namespace, cr.Spec.NodeName));
            Assert.Equal(p2.Annotations[$"{provider}.kubernetes.io/ip_address"], cr.Spec.IpAddress);
            Assert.Equal(p2.Annotations[$"{provider}.kubernetes.io/ip_address"], cr.Spec.V4IpAddress);
            Assert.Equal(p2.Annotations[$"{provider}.kubernetes.io/mac_address"], cr.Spec.MacAddress);
            var labels = cr.Metadata!.Labels!;
            Assert.Equal((string.Empty, subnet, fixture.Node2.Name, "false"), (labels[subnet], labels["ovn.kubernetes.io/subnet"], labels["ovn.kubernetes.io/node-name"], labels["ovn.kubernetes.io/ip_reserved"]));
        }

        // Each NIC reaches the peer's NIC of the same network on the other node.
        foreach (var (ifName, _, provider) in Nics)
        {
            var target = p2.Annotations[$"{provider}.kubernetes.io/ip_address"];
            await PingAsync(p1.Netns, ifName, target, expectReply: true);
        }

        // A pod on ovn-default reaches subnet B through ovn-cluster, but private subnet A drops it (to-lport ACL),
        // until A allows ovn-default's CIDR.
        var outsider = await PlugAsync(fixture, fixture.NewName("out"), fixture.Node1, new Dictionary<string, string>(), ["ovn"], [("eth0", "ovn")]);
        var privateIp = p2.Annotations["atta.default.ovn.kubernetes.io/ip_address"];
        await PingAsync(outsider.Netns, "eth0", p2.Annotations["attb.default.ovn.n1.kubernetes.io/ip_address"], expectReply: true);
        await PingAsync(outsider.Netns, "eth0", privateIp, expectReply: false);
        var trace = await TraceAsync(outsider, privateIp);
        // The echo is routed into mul-a and dropped by its to-lport ACL (northd puts ACLs at priority + 1000).
        Assert.True(trace.Contains("ls_out_acl", StringComparison.Ordinal) && trace.Contains("priority 2000", StringComparison.Ordinal), trace);
        Assert.DoesNotContain($"output to \"{p2.Name}.default.atta.default.ovn\"", trace, StringComparison.Ordinal);
        await PingAsync(outsider.Netns, "eth0", p1.Annotations["atta.default.ovn.kubernetes.io/ip_address"], expectReply: false);

        await fixture.Kube.PatchAsync<V1Subnet>(null, "mul-a", KubePatch.Merge(new JsonObject { ["spec"] = new JsonObject { ["allowSubnets"] = new JsonArray("10.16.0.0/16") } }));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!(await fixture.Central.NbctlAsync(["acl-list", "mul-a"])).Stdout.Contains("10.16.0.0/16", StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, "allowSubnets never reached mul-a's ACLs");
            await Task.Delay(100);
        }

        // ovn-northd and ovn-controller apply the new ACL shortly after it is in Northbound.
        var until = DateTime.UtcNow.AddSeconds(30);
        while ((await ExecAsync(outsider.Netns, "ping", "-c", "1", "-W", "1", privateIp)).ExitCode != 0)
        {
            Assert.True(DateTime.UtcNow < until, $"{privateIp} still unreachable 30s after mul-a allowed 10.16.0.0/16");
        }

        await PingAsync(outsider.Netns, "eth0", privateIp, expectReply: true);
        Assert.Contains($"output to \"{p2.Name}.default.atta.default.ovn\"", await TraceAsync(outsider, privateIp), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("atta,broken", "is not valid JSON")]
    [InlineData("atta,missing", "does not exist")]
    [InlineData("atta,unbound", "provider unbound.default.ovn is not bound to any subnet")]
    [InlineData("""[{"name":"atta"},{"name":"attb","ips":["10.201.0.77"]}]""", "outside the attachment's subnet mul-b")]
    [InlineData("""[{"name":"atta","default-route":["10.201.0.1"]},{"name":"attb","default-route":["10.202.0.1"]}]""", "more than one NIC")]
    public async Task BadInputIsAnEventOnThePodAndNoAttachmentNicIsSetUp(string networks, string problem)
    {
        await fixture.CreateOnceAsync(Nad("unbound"));
        var name = fixture.NewName("bad");
        var netns = await fixture.NewNetnsAsync();
        await CreatePodAsync(fixture, name, fixture.Node1, new Dictionary<string, string> { [MultusAnnotations.Networks] = networks });

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var events = await fixture.Kube.ListAsync<CoreV1Event>(Ns);
            if (events.Items.Any(e => e.Type == "Warning" && e.InvolvedObject?.Name == name && e.Reason == "AttachNetworkFailed" && e.Message?.Contains(problem, StringComparison.Ordinal) == true))
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, $"no AttachNetworkFailed event mentioning '{problem}' on {name}");
            await Task.Delay(100);
        }

        // Multus' call for the first attachment fails with the missing allocation named, and leaves nothing behind.
        var add = await CniBinary.RunAsync("ADD", NewContainerId(), "/var/run/netns/" + netns, "net1", Ns, name, NetConf(fixture, fixture.Node1, "atta.default.ovn"), Timeouts.Token(120));
        Assert.NotEqual(0, add.ExitCode);
        Assert.Contains("atta.default.ovn.kubernetes.io/allocated", add.Stdout + add.Stderr, StringComparison.Ordinal);
        var links = (await ExecAsync(netns, "ip", "-o", "link", "show")).Stdout;
        Assert.DoesNotContain("net1", links, StringComparison.Ordinal);
        // (The daemon may pre-plug the pod's primary NIC; no port may exist for the attachment.)
        var ports = await fixture.Node1.VsctlAsync(["--bare", "--columns=name", "find", "Interface", $"external_ids:iface-id={name}.default.atta.default.ovn"]);
        Assert.Empty(ports.Stdout.Trim());
        var pod = await fixture.Kube.GetAsync<V1Pod>(Ns, name);
        Assert.DoesNotContain(pod.Metadata!.Annotations!.Keys, k => k.StartsWith("atta.default.ovn.kubernetes.io/", StringComparison.Ordinal) && !k.EndsWith("default_route", StringComparison.Ordinal));
        Assert.Empty((await fixture.Central.NbctlAsync(["--bare", "--columns=name", "find", "Logical_Switch_Port", $"name={name}.default.atta.default.ovn"])).Stdout.Trim());
        await Assert.ThrowsAsync<KubeNotFoundException>(() => fixture.Kube.GetAsync<V1IP>(null, $"{name}.default.atta.default.ovn"));
    }

    private Task<Plugged> PlugMultiAsync(string label, OvsNode node) => PlugAsync(
        fixture,
        fixture.NewName(label),
        node,
        new Dictionary<string, string>
        {
            [MultusAnnotations.Networks] = Networks,
            ["atta.default.ovn.kubernetes.io/default_route"] = "true",
        },
        Nics.Select(n => n.Provider).ToArray(),
        Nics.Select(n => (n.IfName, n.NetconfProvider)).ToArray());

    private static async Task PingAsync(string netns, string ifName, string target, bool expectReply)
    {
        var ping = await ExecAsync(netns, "ping", "-c", expectReply ? "3" : "2", "-i", "0.3", "-W", "1", "-I", ifName, target);
        Assert.True((ping.ExitCode == 0) == expectReply, $"{netns} {ifName} -> {target}: expected {(expectReply ? "replies" : "no reply")}: {ping.Stdout}{ping.Stderr}");
    }

    /// <summary>ovn-trace of an ICMP echo from the outsider's port to <paramref name="target"/>, routed by ovn-cluster.</summary>
    private async Task<string> TraceAsync(Plugged outsider, string target)
    {
        var routerMac = (await fixture.Central.NbctlAsync(["get", "Logical_Router_Port", "ovn-cluster-ovn-default", "mac"])).Stdout.Trim().Trim('"');
        var mac = outsider.Annotations["ovn.kubernetes.io/mac_address"];
        var ip = outsider.Annotations["ovn.kubernetes.io/ip_address"];
        var flow = $"inport == \"{outsider.Name}.default\" && eth.src == {mac} && eth.dst == {routerMac} && ip4.src == {ip} && ip4.dst == {target} && ip.ttl == 64 && icmp4.type == 8";
        var result = await fixture.Central.TraceAsync(["ovn-default", flow]);
        Assert.True(result.ExitCode == 0, result.Stderr);
        return result.Stdout;
    }
}
