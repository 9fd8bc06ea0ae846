using System.Text.Json.Nodes;
using VmNet.E2E.Rig;
using VmNet.Kube;
using VmNet.Kube.Models;

namespace VmNet.E2E.Daemon;

/// <summary>Node setup by the daemon: chassis keys and annotation, ovn0 on the join switch once the node is annotated, STATUS.</summary>
[Collection(RigCollection.Name)]
public sealed class DaemonNodeSetupTests(DaemonRigFixture fixture) : IClassFixture<DaemonRigFixture>
{
    [Fact]
    public async Task ChassisIsRegisteredAndAnnotated()
    {
        foreach (var node in fixture.Rig.Nodes)
        {
            var ids = (await node.VsctlAsync(["get", "Open_vSwitch", ".", "external_ids"])).Stdout;
            Assert.Contains("ovn-bridge-datapath-type=netdev", ids, StringComparison.Ordinal);
            Assert.Contains("ovn-encap-type=geneve", ids, StringComparison.Ordinal);
            Assert.Contains($"system-id={node.Name}", ids, StringComparison.Ordinal);
            Assert.Equal("secure", (await node.VsctlAsync(["get", "Bridge", "br-int", "fail_mode"])).Stdout.Trim());
            var annotated = await fixture.Kube.GetAsync<V1Node>(null, node.Name);
            Assert.Equal(node.Name, annotated.Metadata!.Annotations!["ovn.kubernetes.io/chassis"]);
        }
    }

    [Fact]
    public async Task StatusIsReadyWhileTheChassisIsRegistered()
    {
        var netconf = CniBinary.NetConf(fixture.SocketPath(fixture.Node2), cniVersion: "1.1.0");
        var status = await CniBinary.RunAsync("STATUS", "", null, "", "", "", netconf, Timeouts.Token());
        Assert.True(status.ExitCode == 0, status.Stdout + status.Stderr);

        var down = await CniBinary.RunAsync("STATUS", "", null, "", "", "", CniBinary.NetConf("/tmp/vmnet-" + fixture.Rig.RunId.Value + "-none.sock", "1.1.0"), Timeouts.Token());
        Assert.NotEqual(0, down.ExitCode);
        Assert.Contains("\"code\":50", down.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task JoinPortComesUpWhenTheControllerAnnotatesTheNode()
    {
        var node = fixture.Node2;
        const string joinMac = "0a:58:64:40:00:03";
        const string joinIp = "100.64.0.3";
        await fixture.Central.NbctlAsync(
        [
            "--may-exist", "ls-add", "join",
            "--", "--may-exist", "lrp-add", KubeOvnTopology.Router, "ovn-cluster-join", "0a:58:64:40:00:01", "100.64.0.1/16",
            "--", "--may-exist", "lsp-add", "join", "join-ovn-cluster",
            "--", "lsp-set-type", "join-ovn-cluster", "router",
            "--", "lsp-set-addresses", "join-ovn-cluster", "router",
            "--", "lsp-set-options", "join-ovn-cluster", "router-port=ovn-cluster-join",
            "--", "lsp-add", "join", "node-" + node.Name,
            "--", "lsp-set-addresses", "node-" + node.Name, joinMac + " " + joinIp,
        ]);
        Assert.False((await node.ExecAsync("ip", ["link", "show", "ovn0"])).Succeeded, "ovn0 exists before the node is annotated");

        var annotations = new JsonObject
        {
            ["ovn.kubernetes.io/ip_address"] = joinIp,
            ["ovn.kubernetes.io/mac_address"] = joinMac,
            ["ovn.kubernetes.io/cidr"] = "100.64.0.0/16",
            ["ovn.kubernetes.io/gateway"] = "100.64.0.1",
            ["ovn.kubernetes.io/logical_switch"] = "join",
            ["ovn.kubernetes.io/port_name"] = "node-" + node.Name,
            ["ovn.kubernetes.io/allocated"] = "true",
        };
        await fixture.Kube.PatchAsync<V1Node>(null, node.Name, KubePatch.Merge(new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = annotations } }));

        var deadline = DateTime.UtcNow.AddSeconds(20);
        string addresses;
        while (!(addresses = (await node.ExecAsync("ip", ["-o", "addr", "show", "dev", "ovn0"])).Stdout).Contains(joinIp + "/16", StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, "ovn0 has no join address: " + addresses + "\n" + fixture.DaemonLog.Tail());
            await Task.Delay(200);
        }

        Assert.Contains(joinMac, (await node.ExecAsync("ip", ["link", "show", "ovn0"])).Stdout, StringComparison.Ordinal);
        Assert.Equal("node-" + node.Name, (await node.VsctlAsync(["get", "Interface", "ovn0", "external_ids:iface-id"])).Stdout.Trim().Trim('"'));
        await fixture.Rig.WaitPortUpAsync("node-" + node.Name);
        var ping = await node.ExecAsync("ping", ["-c", "3", "-i", "0.2", "-W", "2", "100.64.0.1"]);
        Assert.True(ping.Succeeded, ping.Stdout + ping.Stderr);
    }
}
