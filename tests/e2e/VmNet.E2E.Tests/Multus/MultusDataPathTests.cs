using System.Text.Json;
using VmNet.E2E.Daemon;
using VmNet.E2E.Rig;
using VmNet.Kube;
using VmNet.Kube.Models;
using VmNet.Multus;
using VmNet.Sandbox.Rig;

namespace VmNet.E2E.Multus;

/// <summary>
/// Multus secondary NICs end to end: our controller (addressing + attachments) allocates, our daemons plug each NIC
/// the way Multus calls the CNI binary (once per attachment, the NAD's config on stdin), on two rig nodes. A pod
/// has the default NIC plus three attachments: one on subnet A, two of the same NAD on subnet B.
/// </summary>
[Collection(RigCollection.Name)]
public sealed class MultusDataPathTests(DaemonRigFixture fixture) : IClassFixture<DaemonRigFixture>, IAsyncLifetime
{
    private const string Ns = "default";
    private const string Networks = "atta,attb@n1,attb@n2";
    private static readonly (string IfName, string NetconfProvider, string Provider)[] Nics =
    [
        ("eth0", "ovn", "ovn"),
        ("net1", "atta.default.ovn", "atta.default.ovn"),
        ("n1", "attb.default.ovn", "attb.default.ovn.n1"),
        ("n2", "attb.default.ovn", "attb.default.ovn.n2"),
    ];

    private RigController? _controller;

    public async Task InitializeAsync()
    {
        // xunit makes an instance per test: each test gets a fresh controller (IPAM rebuilt from the IP CRs) over the same rig.
        _controller = await RigController.StartAsync(fixture);
        var broken = RigController.Nad(Ns, "broken");
        broken.Spec!.Config = """{"cniVersion":"1.0.0","type":"kube-ovn", """;
        await RigController.CreateOnceAsync(fixture, RigController.Subnet("mul-a", "10.201.0.0/24", "atta.default.ovn"));
        await RigController.CreateOnceAsync(fixture, RigController.Subnet("mul-b", "10.202.0.0/24", "attb.default.ovn"));
        await RigController.CreateOnceAsync(fixture, RigController.Nad(Ns, "atta"));
        await RigController.CreateOnceAsync(fixture, RigController.Nad(Ns, "attb"));
        await RigController.CreateOnceAsync(fixture, broken);
    }

    public async Task DisposeAsync()
    {
        if (_controller is not null)
        {
            await _controller.DisposeAsync();
        }
    }

    [Fact]
    public async Task EveryNicHasItsAddressMacAndRoutesOnlyTheChosenOneTheDefaultAndEachReachesItsPeerAcrossNodes()
    {
        var p1 = await PlugAsync("mul1", fixture.Node1);
        var p2 = await PlugAsync("mul2", fixture.Node2);

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

        // Each NIC reaches the peer's NIC of the same network on the other node.
        foreach (var (ifName, _, provider) in Nics)
        {
            var target = p2.Annotations[$"{provider}.kubernetes.io/ip_address"];
            var ping = await ExecAsync(p1.Netns, "ping", "-c", "3", "-i", "0.2", "-W", "2", "-I", ifName, target);
            Assert.True(ping.ExitCode == 0, $"{ifName} -> {target}: {ping.Stdout}{ping.Stderr}");
        }
    }

    [Theory]
    [InlineData("atta,broken", "is not valid JSON")]
    [InlineData("atta,missing", "does not exist")]
    [InlineData("""[{"name":"atta","default-route":["10.201.0.1"]},{"name":"attb","default-route":["10.202.0.1"]}]""", "more than one NIC")]
    public async Task BadInputIsAnEventOnThePodAndNoAttachmentNicIsSetUp(string networks, string problem)
    {
        var name = $"bad-{fixture.NextIndex()}-{fixture.Rig.RunId.Value}";
        var netns = await fixture.NewNetnsAsync();
        await fixture.CreatePodAsync(name, fixture.Node1, new Dictionary<string, string> { [MultusAnnotations.Networks] = networks });

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
        var containerId = (Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N"))[..64];
        var add = await CniBinary.RunAsync("ADD", containerId, "/var/run/netns/" + netns, "net1", Ns, name, RigController.NetConf(fixture, fixture.Node1, "atta.default.ovn"), Timeouts.Token(120));
        Assert.NotEqual(0, add.ExitCode);
        Assert.Contains("atta.default.ovn.kubernetes.io/allocated", add.Stdout + add.Stderr, StringComparison.Ordinal);
        var links = (await ExecAsync(netns, "ip", "-o", "link", "show")).Stdout;
        Assert.DoesNotContain("net1", links, StringComparison.Ordinal);
        var pod = await fixture.Kube.GetAsync<V1Pod>(Ns, name);
        Assert.DoesNotContain(pod.Metadata!.Annotations!.Keys, k => k.StartsWith("atta.default.ovn.kubernetes.io/", StringComparison.Ordinal) && !k.EndsWith("default_route", StringComparison.Ordinal));
        Assert.Empty((await fixture.Central.NbctlAsync(["--bare", "--columns=name", "find", "Logical_Switch_Port", $"name={name}.default.atta.default.ovn"])).Stdout.Trim());
    }

    private sealed record PluggedPod(string Name, string Netns, IReadOnlyDictionary<string, string> Annotations);

    private async Task<PluggedPod> PlugAsync(string label, OvsNode node)
    {
        var name = $"{label}-{fixture.Rig.RunId.Value}";
        var netns = await fixture.NewNetnsAsync();
        await fixture.CreatePodAsync(name, node, new Dictionary<string, string>
        {
            [MultusAnnotations.Networks] = Networks,
            ["atta.default.ovn.kubernetes.io/default_route"] = "true",
        });
        var annotations = await RigController.WaitAllocatedAsync(fixture, Ns, name, Nics.Select(n => n.Provider));
        var containerId = (Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N"))[..64];
        foreach (var (ifName, netconfProvider, _) in Nics)
        {
            // What Multus does: one CNI call per network, the NAD's config (our socket on this node) on stdin.
            var netconf = RigController.NetConf(fixture, node, netconfProvider);
            var add = await CniBinary.RunAsync("ADD", containerId, "/var/run/netns/" + netns, ifName, Ns, name, netconf, Timeouts.Token(120));
            Assert.True(add.ExitCode == 0, $"ADD {ifName}: {add.Stdout}{add.Stderr}");
        }

        return new PluggedPod(name, netns, annotations);
    }

    private static Task<CommandResult> ExecAsync(string netns, string file, params string[] args) =>
        NetworkNamespace.ExecAsync(netns, file, args, TimeSpan.FromSeconds(60));
}
