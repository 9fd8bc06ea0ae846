using VmNet.Daemon.Dpdk;
using VmNet.Dpdk;
using VmNet.E2E.Rig;
using VmNet.Kube;
using VmNet.Kube.Models;
using VmNet.Ovsdb.Client;
using VmNet.Ovsdb.Wire;
using VmNet.Sandbox.Rig;
using VmNet.Sandbox.Rig.Dpdk;
using Xunit.Abstractions;

namespace VmNet.E2E.Dpdk;

/// <summary>
/// vhost-user NICs through the daemon's CNI API on OVS-DPDK nodes: ADD with the NAD's vhost_user_* keys creates the
/// dpdkvhostuserclient port and returns the socket path, testpmd connects there and is pinged across Geneve, CHECK
/// and DEL; a missing volume is a clean CNI error; the node reports its DPDK capability.
/// </summary>
[Collection(RigCollection.Name)]
public sealed class VhostUserDaemonTests(DpdkDaemonFixture fixture, ITestOutputHelper output) : IClassFixture<DpdkDaemonFixture>
{
    [Fact]
    public async Task AddThroughTheDaemonGivesAConnectableSocketAndDelRemovesThePort()
    {
        var node = fixture.Rig.Nodes[0];
        var name = "vmd1-" + fixture.Rig.RunId.Value;
        const string mac = "0a:58:0a:10:00:31";
        var pod = await fixture.CreateVmPodAsync(name, node, mac, "10.16.0.31");
        var volume = Path.Combine(fixture.KubeletPods, pod.Metadata!.Uid!, "volumes", "kubernetes.io~empty-dir", "vhostuser-sockets");
        Directory.CreateDirectory(volume);
        var netns = fixture.Rig.RunId.Value + "q1";
        fixture.Rig.Manifest.RecordNetns(netns);
        await NetworkNamespace.AddAsync(netns, CancellationToken.None);
        var containerId = Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N");
        var hostPort = containerId[..12] + "_h";
        var netconf = DaemonCniClient.VhostUserNetConf(fixture.SocketPath(node), "vhostuser-sockets", "sock");

        var add = await Call("ADD");
        Assert.Null(add.Error?.Msg);
        var nic = Assert.Single(add.Result!.Interfaces!);
        Assert.Equal(Path.Combine(volume, "sock"), nic.SocketPath);
        Assert.Equal(mac, nic.Mac);
        Assert.Contains(add.Result.Ips!, ip => ip.Address == "10.16.0.31/16");

        await using var client = await OvsdbClient.ConnectAsync(new OvsdbClientOptions { Endpoints = [OvsdbEndpoint.Unix(node.Ovsdb.SocketPath)], Database = "Open_vSwitch" }, CancellationToken.None);
        await client.WaitConnectedAsync(CancellationToken.None);
        var ports = new VhostUserPorts(client, OvsNode.IntegrationBridge);
        Assert.Equal("dpdkvhostuserclient", ports.FindInterface(hostPort)?.Type);
        Assert.False(ports.State(hostPort)!.Connected);

        await KubeOvnTopology.AddPortAsync(fixture.Rig.Central, "prober.default", "0a:58:0a:10:00:32", "10.16.0.32");
        var prober = await fixture.Rig.AddPodAsync(fixture.Rig.Nodes[1], fixture.Rig.PodOptions("prober" + fixture.Rig.RunId.Value[2..], "prober.default", "0a:58:0a:10:00:32", "10.16.0.32/16", KubeOvnTopology.Gateway));
        await fixture.Rig.SyncHypervisorsAsync();
        // testpmd stands in for QEMU in the launcher container, which sees the volume at a short mount point: the host
        // path of a real pod volume is longer than a unix socket path may be, so the peer binds through a short link.
        var launcherView = Path.Combine(fixture.Rig.Directory, "l1");
        Directory.CreateSymbolicLink(launcherView, volume);
        await using (var peer = TestPmdPeer.Start(Path.Combine(launcherView, "sock"), mac, fixture.Rig.RunId.Value + "-tpd", Path.Combine(fixture.Rig.Directory, "testpmd-daemon.log")))
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            var state = await ports.WaitConnectedAsync(hostPort, timeout.Token);
            output.WriteLine($"connected: {state}");
            var ping = await prober.PingAsync("10.16.0.31", 3, ["-i", "0.2"]);
            Assert.True(ping.ExitCode == 0, ping.Stdout + ping.Stderr);
            var check = await Call("CHECK");
            Assert.Null(check.Error?.Msg);
        }

        var del = await Call("DEL");
        Assert.Null(del.Error?.Msg);
        Assert.Null(ports.FindInterface(hostPort));
        Assert.False(Directory.Exists(Path.Combine(fixture.Rig.Directory, "vs", pod.Metadata.Uid!)));
        Assert.True(Directory.Exists(volume));

        Task<VmNet.Cni.DaemonResponse> Call(string command) =>
            DaemonCniClient.CallAsync(command, fixture.SocketPath(node), netconf, containerId, "/var/run/netns/" + netns, "eth0", name, CancellationToken.None);
    }

    [Fact]
    public async Task MissingSocketVolumeIsAClearCniErrorAndLeavesNoPort()
    {
        var node = fixture.Rig.Nodes[0];
        var name = "vmd2-" + fixture.Rig.RunId.Value;
        await fixture.CreateVmPodAsync(name, node, "0a:58:0a:10:00:33", "10.16.0.33");
        var netns = fixture.Rig.RunId.Value + "q2";
        fixture.Rig.Manifest.RecordNetns(netns);
        await NetworkNamespace.AddAsync(netns, CancellationToken.None);
        var containerId = Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N");

        var add = await DaemonCniClient.CallAsync(
            "ADD", fixture.SocketPath(node), DaemonCniClient.VhostUserNetConf(fixture.SocketPath(node), "vhostuser-sockets", "sock"),
            containerId, "/var/run/netns/" + netns, "eth0", name, CancellationToken.None);
        Assert.NotNull(add.Error);
        Assert.Equal(7, add.Error!.Code);
        Assert.Contains("cannot find emptyDir volume vhostuser-sockets", add.Error.Msg, StringComparison.Ordinal);
        var ports = (await node.VsctlAsync(["list-ports", OvsNode.IntegrationBridge])).Stdout;
        Assert.DoesNotContain(containerId[..12], ports, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheNodeReportsItsOvsDpdkCapability()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        IDictionary<string, string>? annotations = null;
        while (DateTime.UtcNow < deadline)
        {
            annotations = (await fixture.Kube.GetAsync<V1Node>(null, fixture.Rig.Nodes[0].Name)).Metadata?.Annotations;
            if (annotations?.ContainsKey(DpdkNodeAnnotations.VhostUser) == true)
            {
                break;
            }

            await Task.Delay(200);
        }

        Assert.Equal("true", annotations?[DpdkNodeAnnotations.VhostUser]);
        Assert.StartsWith("DPDK ", annotations?[DpdkNodeAnnotations.Version], StringComparison.Ordinal);
        var sleep = (await fixture.Rig.Nodes[0].VsctlAsync(["get", "Open_vSwitch", ".", "other_config:pmd-maxsleep"])).Stdout.Trim().Trim('"');
        Assert.Equal(DpdkDaemonFixture.DaemonPmdMaxSleep.ToString(System.Globalization.CultureInfo.InvariantCulture), sleep);
    }
}
