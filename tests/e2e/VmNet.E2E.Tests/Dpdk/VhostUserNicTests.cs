using System.Diagnostics;
using VmNet.Daemon.Dpdk;
using VmNet.Dpdk;
using VmNet.E2E.Rig;
using VmNet.Sandbox.Rig;
using VmNet.Sandbox.Rig.Dpdk;
using Xunit.Abstractions;

namespace VmNet.E2E.Dpdk;

/// <summary>
/// OVS-DPDK vhost-user NICs on real Debian OVS-DPDK (no hugepages): created by the daemon-side attachment code,
/// dpdk-testpmd (icmpecho) as the VM, pinged from a veth pod on the same node and across Geneve; DEL; a
/// vswitchd restart under a running peer; bad input. testpmd busy-polls a core: it runs only seconds per test.
/// </summary>
[Collection(RigCollection.Name)]
public sealed class VhostUserNicTests(DpdkRigFixture fixture, ITestOutputHelper output) : IClassFixture<DpdkRigFixture>
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task DpdkNodesAreDetectedAndPlainNodeIsNot()
    {
        var node1 = await fixture.AttachmentOnAsync(fixture.Rig.Nodes[0]);
        var node3 = await fixture.AttachmentOnAsync(fixture.Rig.Nodes[2]);
        var dpdk = node1.Ports.Capability();
        Assert.True(dpdk.CanCreateVhostUserPorts, dpdk.ToString());
        Assert.StartsWith("DPDK ", dpdk.DpdkVersion, StringComparison.Ordinal);
        Assert.Equal("true", dpdk.ToAnnotations()[DpdkNodeAnnotations.VhostUser]);
        Assert.False(node3.Ports.Capability().CanCreateVhostUserPorts);

        var otherConfig = (await fixture.Rig.Nodes[0].VsctlAsync(["get", "Open_vSwitch", ".", "other_config"])).Stdout;
        Assert.Contains("pmd-maxsleep=\"1000\"", otherConfig, StringComparison.Ordinal);
        var datapath = (await fixture.Rig.Nodes[0].VsctlAsync(["get", "Bridge", OvsNode.IntegrationBridge, "datapath_type"])).Stdout.Trim();
        Assert.Equal("netdev", datapath);
    }

    [Fact]
    public async Task VhostUserNicIsReachableOnTheSameNodeAndAcrossGeneveAndDelRemovesIt()
    {
        var attachment = await fixture.AttachmentOnAsync(fixture.Rig.Nodes[0]);
        const string uid = "uid-ping";
        fixture.CreateEmptyDir(uid, "vhostuser-sockets");
        var port = fixture.RunId.Value + "vu1";
        var result = await attachment.AddAsync(fixture.Request(uid, port), CancellationToken.None);

        // The runtime is told where QEMU must put the socket (inside the pod's volume); OVS opens it through the share link.
        Assert.Equal(Path.Combine(fixture.KubeletPods, uid, "volumes", "kubernetes.io~empty-dir", "vhostuser-sockets", "sock"), result.SocketPath);
        Assert.Equal(DpdkRigFixture.Mtu, result.Mtu);
        var iface = attachment.Ports.FindInterface(port)!;
        Assert.Equal("dpdkvhostuserclient", iface.Type);
        Assert.Equal(Path.Combine(fixture.ShareRoot, uid, "vhostuser-sockets", "sock"), iface.Options["vhost-server-path"]);
        Assert.Equal(DpdkRigFixture.Mtu, iface.MtuRequest);
        Assert.Equal(DpdkRigFixture.VmPort, iface.ExternalIds["iface-id"]);

        // OVN claims the port before any VM opened the socket: LSP up is not "NIC connected".
        await fixture.Rig.SyncHypervisorsAsync();
        await fixture.Rig.WaitPortUpAsync(DpdkRigFixture.VmPort);
        Assert.False(attachment.Ports.State(port)!.Connected);

        var peer = fixture.StartPeer(result.SocketPath!, "ping");
        try
        {
            var clock = Stopwatch.StartNew();
            using var timeout = new CancellationTokenSource(ConnectTimeout);
            var state = await attachment.Ports.WaitConnectedAsync(port, timeout.Token);
            output.WriteLine($"vhost-user link up {clock.ElapsedMilliseconds} ms after testpmd start, status {state.Status}");
            AssertPingOk(await fixture.Pod1.PingAsync(DpdkRigFixture.VmIp, 3, ["-i", "0.2"]), "same node");
            AssertPingOk(await fixture.Pod2.PingAsync(DpdkRigFixture.VmIp, 3, ["-i", "0.2"]), "across geneve");
        }
        finally
        {
            await peer.StopAsync();
        }

        using (var down = new CancellationTokenSource(ConnectTimeout))
        {
            await attachment.Ports.WaitDisconnectedAsync(port, down.Token);
        }

        Assert.True(await attachment.DelAsync(port, CancellationToken.None));
        Assert.Null(attachment.Ports.FindInterface(port));
        Assert.False(Directory.Exists(Path.Combine(fixture.ShareRoot, uid)));
        Assert.DoesNotContain(port, (await fixture.Rig.Nodes[0].VsctlAsync(["list-ports", OvsNode.IntegrationBridge])).Stdout, StringComparison.Ordinal);
        Assert.False(await attachment.DelAsync(port, CancellationToken.None));
    }

    [Fact]
    public async Task RestartingVswitchdUnderARunningPeerReconnects()
    {
        var node = fixture.Rig.Nodes[0];
        var attachment = await fixture.AttachmentOnAsync(node);
        const string uid = "uid-restart";
        fixture.CreateEmptyDir(uid, "vhostuser-sockets");
        var port = fixture.RunId.Value + "vu2";
        var result = await attachment.AddAsync(fixture.Request(uid, port), CancellationToken.None);
        var peer = fixture.StartPeer(result.SocketPath!, "restart");
        try
        {
            using (var up = new CancellationTokenSource(ConnectTimeout))
            {
                await attachment.Ports.WaitConnectedAsync(port, up.Token);
            }

            var clock = Stopwatch.StartNew();
            var restarted = await VswitchdRestart.RestartAsync(node, fixture.Rig.Manifest, CancellationToken.None);
            fixture.Track(restarted);
            // Reconnection is proven by traffic: after a restart OVS 3.1 sometimes leaves link_state=down (and our
            // monitor even status=disconnected) although the vhost device was re-added and forwards; seen in 1-2 of 4 runs.
            CommandResult ping;
            do
            {
                ping = await fixture.Pod2.PingAsync(DpdkRigFixture.VmIp, 1, ["-W", "1"]);
            }
            while (ping.ExitCode != 0 && clock.Elapsed < ConnectTimeout);

            Assert.True(peer.IsRunning);
            AssertPingOk(ping, "after restart");
            AssertPingOk(await fixture.Pod2.PingAsync(DpdkRigFixture.VmIp, 3, ["-i", "0.2"]), "after restart");
            var state = attachment.Ports.State(port)!;
            output.WriteLine($"vswitchd restarted (pid {restarted.Pid}); pinged across geneve {clock.ElapsedMilliseconds} ms after the stop; OVS now says link_state={state.LinkState} status={state.Status}");
        }
        finally
        {
            await peer.StopAsync();
            await attachment.DelAsync(port, CancellationToken.None);
        }
    }

    [Fact]
    public async Task BadRequestsFailClearlyAndLeaveNothingBehind()
    {
        var node1 = await fixture.AttachmentOnAsync(fixture.Rig.Nodes[0]);
        var before = (await fixture.Rig.Nodes[0].VsctlAsync(["list-ports", OvsNode.IntegrationBridge])).Stdout;

        var missing = await Assert.ThrowsAsync<VhostUserException>(() => node1.AddAsync(fixture.Request("uid-novol", fixture.RunId.Value + "vb1"), CancellationToken.None));
        Assert.Equal("vhost_user_socket_volume_name", missing.Field);
        Assert.Contains("cannot find emptyDir volume vhostuser-sockets in pod default/virt-launcher-uid-novol", missing.Message, StringComparison.Ordinal);
        Assert.Equal(7, missing.CniCode);

        fixture.CreateEmptyDir("uid-trav", "vhostuser-sockets");
        var traversal = await Assert.ThrowsAsync<VhostUserException>(() =>
            node1.AddAsync(fixture.Request("uid-trav", fixture.RunId.Value + "vb2", socket: "../../../../../etc/passwd"), CancellationToken.None));
        Assert.Equal("vhost_user_socket_name", traversal.Field);

        var plain = await fixture.AttachmentOnAsync(fixture.Rig.Nodes[2]);
        fixture.CreateEmptyDir("uid-plain", "vhostuser-sockets");
        var noDpdk = await Assert.ThrowsAsync<VhostUserException>(() => plain.AddAsync(fixture.Request("uid-plain", fixture.RunId.Value + "vb3"), CancellationToken.None));
        Assert.Contains("dpdk_initialized=false", noDpdk.Message, StringComparison.Ordinal);
        Assert.Equal(113, noDpdk.CniCode);

        Assert.Equal(before, (await fixture.Rig.Nodes[0].VsctlAsync(["list-ports", OvsNode.IntegrationBridge])).Stdout);
        Assert.DoesNotContain("vb3", (await fixture.Rig.Nodes[2].VsctlAsync(["list-ports", OvsNode.IntegrationBridge])).Stdout, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(fixture.ShareRoot, "uid-novol")));
        Assert.False(Directory.Exists(Path.Combine(fixture.ShareRoot, "uid-trav")));
        Assert.False(Directory.Exists(Path.Combine(fixture.ShareRoot, "uid-plain")));
    }

    private static void AssertPingOk(CommandResult result, string what) =>
        Assert.True(result.ExitCode == 0, $"ping {what} failed (exit {result.ExitCode}): {result.Stdout} {result.Stderr}");
}
