using System.Diagnostics;
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
/// vhost-user NICs created through the published CNI binary with the NAD's vhost_user_* keys on stdin, as
/// kubelet/Multus invoke it: the dpdkvhostuserclient port and the socket path in the result, dpdk-testpmd
/// (icmpecho) as the VM pinged from a veth pod on the same node and across Geneve, CHECK, DEL; bad input; the
/// node's DPDK report. testpmd busy-polls a core: it runs only seconds.
/// </summary>
[Collection(RigCollection.Name)]
public sealed class VhostUserCniTests(DpdkClusterFixture fixture, ITestOutputHelper output) : IClassFixture<DpdkClusterFixture>
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task CniAddGivesAConnectableSocketReachableOnTheSameNodeAndAcrossGeneveAndDelRemovesThePort()
    {
        var node = fixture.Rig.Nodes[0];
        var vm = "vmc1" + fixture.Rig.RunId.Value[2..];
        var (ip, mac) = fixture.NextAddress();
        var lsp = await fixture.CreateVmPortAsync(vm, ip, mac);
        var pod = await fixture.CreateLauncherAsync("virt-launcher-" + vm, node, vm, ip, mac);
        var volume = fixture.CreateEmptyDir(pod.Metadata!.Uid!);
        var netns = await fixture.CreateNetnsAsync();
        var containerId = Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N");
        var hostPort = VmNet.Daemon.Pods.VethNames.HostSide(containerId, "net1");

        var add = await Call("ADD");
        Assert.True(add.ExitCode == 0, add.ToString());
        var nic = Assert.Single(add.Result!.Interfaces!);
        Assert.Equal(Path.Combine(volume, "sock"), nic.SocketPath);
        Assert.Equal(mac, nic.Mac);
        Assert.Equal(DpdkClusterFixture.Mtu, nic.Mtu);
        Assert.Contains(add.Result.Ips!, a => a.Address == ip + "/16");

        await using var client = await OvsdbClient.ConnectAsync(new OvsdbClientOptions { Endpoints = [OvsdbEndpoint.Unix(node.Ovsdb.SocketPath)], Database = "Open_vSwitch" }, CancellationToken.None);
        await client.WaitConnectedAsync(CancellationToken.None);
        var ports = new VhostUserPorts(client, OvsNode.IntegrationBridge);
        var iface = ports.FindInterface(hostPort)!;
        Assert.Equal("dpdkvhostuserclient", iface.Type);
        Assert.Equal(Path.Combine(fixture.ShareRoot, pod.Metadata.Uid!, DpdkClusterFixture.SocketVolume, "sock"), iface.Options["vhost-server-path"]);
        Assert.Equal(DpdkClusterFixture.Mtu, iface.MtuRequest);
        Assert.Equal(lsp, iface.ExternalIds["iface-id"]);

        // ADD returned after ovn-installed: OVN claimed the port before any VM opened the socket, so LSP up is not "NIC connected".
        await fixture.Rig.WaitPortUpAsync(lsp);
        Assert.False(ports.State(hostPort)!.Connected);

        var launcherView = fixture.LauncherView(volume, "lc1");
        var peer = TestPmdPeer.Start(Path.Combine(launcherView, "sock"), mac, fixture.Rig.RunId.Value + "-tpc", Path.Combine(fixture.Rig.Directory, "testpmd-cni.log"));
        try
        {
            var clock = Stopwatch.StartNew();
            using (var timeout = new CancellationTokenSource(ConnectTimeout))
            {
                var state = await ports.WaitConnectedAsync(hostPort, timeout.Token);
                output.WriteLine($"vhost-user link up {clock.ElapsedMilliseconds} ms after testpmd start, status {state.Status}");
            }

            await WaitLinkAnnotationAsync(pod.Metadata.Name!, "up");
            AssertPingOk(await DpdkClusterFixture.PingWhenReachableAsync(fixture.Prober1, ip, ConnectTimeout), "same node");
            AssertPingOk(await DpdkClusterFixture.PingWhenReachableAsync(fixture.Prober2, ip, ConnectTimeout), "across geneve");
            var check = await Call("CHECK");
            Assert.True(check.ExitCode == 0, check.ToString());
        }
        finally
        {
            await peer.StopAsync();
        }

        using (var down = new CancellationTokenSource(ConnectTimeout))
        {
            await ports.WaitDisconnectedAsync(hostPort, down.Token);
        }

        await WaitLinkAnnotationAsync(pod.Metadata.Name!, "down");
        var del = await Call("DEL");
        Assert.True(del.ExitCode == 0, del.ToString());
        Assert.Null(ports.FindInterface(hostPort));
        Assert.DoesNotContain(hostPort, (await node.VsctlAsync(["list-ports", OvsNode.IntegrationBridge])).Stdout, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(fixture.ShareRoot, pod.Metadata.Uid!)));
        Assert.True(Directory.Exists(volume));
        var again = await Call("DEL");
        Assert.True(again.ExitCode == 0, "a repeated DEL succeeds: " + again);

        Task<CniCall> Call(string command) =>
            DaemonCniClient.CallAsync(command, fixture.NetConf(node), containerId, "/var/run/netns/" + netns, "net1", pod.Metadata.Name!, CancellationToken.None);
    }

    [Fact]
    public async Task BadInputIsAClearCniErrorAndLeavesNothingBehind()
    {
        var dpdkNode = fixture.Rig.Nodes[0];
        var plainNode = fixture.Rig.Nodes[2];
        var netns = await fixture.CreateNetnsAsync();
        var before = (await dpdkNode.VsctlAsync(["list-ports", OvsNode.IntegrationBridge])).Stdout;

        // The pod has no emptyDir volume of the NAD's name.
        var noVolume = await LauncherAsync("vmb1", dpdkNode);
        var missing = await Add(dpdkNode, noVolume, fixture.NetConf(dpdkNode));
        Assert.Equal(7, missing.Error?.Code);
        Assert.Contains($"cannot find emptyDir volume {DpdkClusterFixture.SocketVolume} in pod {DpdkClusterFixture.Ns}/{noVolume.Metadata!.Name}", missing.Error!.Msg, StringComparison.Ordinal);

        // A socket name that walks out of the volume.
        var traversal = await LauncherAsync("vmb2", dpdkNode);
        fixture.CreateEmptyDir(traversal.Metadata!.Uid!);
        var escaped = await Add(dpdkNode, traversal, fixture.NetConf(dpdkNode, socketName: "../../../../../etc/passwd"));
        Assert.Equal(7, escaped.Error?.Code);
        Assert.Contains("vhost_user_socket_name", escaped.Error!.Msg + escaped.Error.Details, StringComparison.Ordinal);

        // A node whose OVS is not the DPDK build.
        var plain = await LauncherAsync("vmb3", plainNode);
        fixture.CreateEmptyDir(plain.Metadata!.Uid!);
        var noDpdk = await Add(plainNode, plain, fixture.NetConf(plainNode));
        Assert.Equal(113, noDpdk.Error?.Code);
        Assert.Contains("dpdk_initialized=false", noDpdk.Error!.Msg, StringComparison.Ordinal);
        output.WriteLine($"errors: {missing.Error.Msg} | {escaped.Error.Msg} | {noDpdk.Error.Msg}");

        Assert.Equal(before, (await dpdkNode.VsctlAsync(["list-ports", OvsNode.IntegrationBridge])).Stdout);
        Assert.DoesNotContain("_h", (await plainNode.VsctlAsync(["list-ports", OvsNode.IntegrationBridge])).Stdout, StringComparison.Ordinal);
        foreach (var pod in new[] { noVolume, traversal, plain })
        {
            Assert.False(Directory.Exists(Path.Combine(fixture.ShareRoot, pod.Metadata!.Uid!)), "share link left for " + pod.Metadata.Name);
        }

        async Task<V1Pod> LauncherAsync(string vm, OvsNode node)
        {
            var (ip, mac) = fixture.NextAddress();
            return await fixture.CreateLauncherAsync("virt-launcher-" + vm + fixture.Rig.RunId.Value[2..], node, vm, ip, mac);
        }

        Task<CniCall> Add(OvsNode node, V1Pod pod, string netconf) =>
            DaemonCniClient.CallAsync("ADD", netconf, Guid.NewGuid().ToString("N"), "/var/run/netns/" + netns, "net1", pod.Metadata!.Name!, CancellationToken.None);
    }

    [Fact]
    public async Task NodesReportWhetherTheirOvsIsTheDpdkBuild()
    {
        var dpdk = await AnnotationsAsync(fixture.Rig.Nodes[0].Name);
        Assert.Equal("true", dpdk[DpdkNodeAnnotations.VhostUser]);
        Assert.StartsWith("DPDK ", dpdk[DpdkNodeAnnotations.Version], StringComparison.Ordinal);
        Assert.Equal("false", (await AnnotationsAsync(fixture.Rig.Nodes[2].Name))[DpdkNodeAnnotations.VhostUser]);

        var node = fixture.Rig.Nodes[0];
        var sleep = (await node.VsctlAsync(["get", "Open_vSwitch", ".", "other_config:pmd-maxsleep"])).Stdout.Trim().Trim('"');
        Assert.Equal(DpdkClusterFixture.DaemonPmdMaxSleep.ToString(System.Globalization.CultureInfo.InvariantCulture), sleep);
        Assert.Equal("netdev", (await node.VsctlAsync(["get", "Bridge", OvsNode.IntegrationBridge, "datapath_type"])).Stdout.Trim());
    }

    /// <summary>The daemon reports the NIC's OVS link state on the pod (the readiness signal for vhost-user NICs).</summary>
    private async Task WaitLinkAnnotationAsync(string podName, string link)
    {
        var deadline = DateTime.UtcNow + ConnectTimeout;
        string? last = null;
        while ((last = (await fixture.Kube.GetAsync<V1Pod>(DpdkClusterFixture.Ns, podName)).Metadata?.Annotations?.GetValueOrDefault(VhostUserPodAnnotations.LinkKey("net1"))) != link)
        {
            Assert.True(DateTime.UtcNow < deadline, $"pod {podName}: {VhostUserPodAnnotations.LinkKey("net1")}={last ?? "(none)"}, expected {link}");
            await Task.Delay(100);
        }
    }

    private async Task<IDictionary<string, string>> AnnotationsAsync(string node)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (true)
        {
            var annotations = (await fixture.Kube.GetAsync<V1Node>(null, node)).Metadata?.Annotations;
            if (annotations?.ContainsKey(DpdkNodeAnnotations.VhostUser) == true)
            {
                return annotations;
            }

            Assert.True(DateTime.UtcNow < deadline, $"node {node} has no {DpdkNodeAnnotations.VhostUser} annotation after 15 s");
            await Task.Delay(200);
        }
    }

    private static void AssertPingOk(CommandResult result, string what) =>
        Assert.True(result.ExitCode == 0, $"ping {what} failed (exit {result.ExitCode}): {result.Stdout} {result.Stderr}");
}
