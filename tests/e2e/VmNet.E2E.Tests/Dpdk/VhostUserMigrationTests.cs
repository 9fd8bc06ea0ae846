using System.Diagnostics;
using VmNet.Dpdk;
using VmNet.Kube;
using VmNet.Kube.Models;
using VmNet.E2E.Rig;
using VmNet.Sandbox.Qemu;
using VmNet.Sandbox.Rig;
using VmNet.Sandbox.Rig.Dpdk;
using Xunit.Abstractions;

namespace VmNet.E2E.Dpdk;

/// <summary>
/// A real QEMU/TCG live migration of a VM whose only NIC is vhost-user, DPDK node1 -> DPDK node2, through our
/// controller and daemon: KubeVirt's VMIM phases go through the API server and the controller chooses the LSP's
/// activation from the NAD (vhost-user) and what is known of the guest's GUEST_ANNOUNCE; each launcher pod's NIC is
/// created and removed by the CNI binary. IP and MAC kept, the TCP connection survives, reachable afterwards; then
/// ovs-vswitchd restarts under the running VM and it is reachable again.
/// </summary>
[Collection(RigCollection.Name)]
public sealed class VhostUserMigrationTests(DpdkClusterFixture fixture, ITestOutputHelper output) : IClassFixture<DpdkClusterFixture>
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task VhostUserVmMigratesThroughControllerAndCniKeepingAddressAndTcp(bool guestAnnounceOff)
    {
        var guest = await GuestImage.GetOrBuildAsync();
        var vm = (guestAnnounceOff ? "vmoff" : "vmon") + fixture.Rig.RunId.Value[2..];
        var (ip, mac) = fixture.NextAddress();
        // Without a known guest_announce=off the controller must not RARP-gate a vhost-user port; with it, it may.
        var lsp = await fixture.CreateVmPortAsync(vm, ip, mac, guestAnnounceOff ? new Dictionary<string, string> { [VmNet.Controller.Migrations.MigrationPorts.GuestAnnounceExternalId] = "false" } : null);
        var kubeVirt = new VhostUserKubeVirt(fixture, vm, ip, mac, lsp);
        var options = new QemuVmOptions { Guest = guest, Mac = mac, IpCidr = ip + "/16", Mtu = DpdkClusterFixture.Mtu };
        await using var harness = new VhostUserMigrationHarness(fixture.Rig, kubeVirt, options, guestAnnounceOff, kubeVirt.PlugAsync, kubeVirt.UnplugAsync, fixture.Prober1);

        await harness.BootAsync(fixture.Rig.Nodes[0], TimeSpan.FromSeconds(90), CancellationToken.None);
        AssertPingOk(await DpdkClusterFixture.PingWhenReachableAsync(fixture.Prober1, ip, TimeSpan.FromSeconds(20)), "QEMU on node1 from the same node");
        AssertPingOk(await DpdkClusterFixture.PingWhenReachableAsync(fixture.Prober2, ip, TimeSpan.FromSeconds(20)), "QEMU on node1 across geneve");
        var sample = await harness.MigrateToAsync(fixture.Rig.Nodes[1], CancellationToken.None);
        output.WriteLine(
            $"guest_announce={(guestAnnounceOff ? "off" : "on")} activation={sample.Activation.Activation} ({sample.Activation.Reason}): downtime {sample.Qemu.Downtime?.TotalMilliseconds} ms, total {sample.Qemu.TotalTime?.TotalMilliseconds} ms, " +
            $"ping max gap {sample.Ping.MaxGap.TotalMilliseconds:0} ms lost {sample.Ping.Lost}/{sample.Ping.Transmitted}, resume->first reply {sample.ResumeToFirstReply?.TotalMilliseconds:0} ms, " +
            $"tcp alive {sample.Tcp.Alive} intact {sample.Tcp.Intact} max stall {sample.Tcp.MaxStall.TotalMilliseconds:0} ms");

        Assert.Equal(guestAnnounceOff ? MigrationActivation.Rarp : MigrationActivation.None, sample.Activation.Activation);
        Assert.True(sample.Tcp.Alive && sample.Tcp.Intact, $"TCP echo broke: {sample.Tcp.Error}");
        Assert.True(sample.Ping.MaxGap < TimeSpan.FromSeconds(2), $"ping gap {sample.Ping.MaxGap.TotalMilliseconds:0} ms: the target port was not activated promptly");
        Assert.Equal("node2", harness.Node!.Name);
        Assert.Equal(("node2", (string?)null), await kubeVirt.OptionsAsync(CancellationToken.None));
        Assert.All(kubeVirt.Adds, add => Assert.Equal(mac, Assert.Single(add.Result!.Interfaces!).Mac));
        Assert.All(kubeVirt.Adds, add => Assert.Contains(add.Result!.Ips!, a => a.Address == ip + "/16"));

        // Same IP answers from node2 with the same MAC; the source's port is gone from node1.
        await harness.WaitReachableAsync(TimeSpan.FromSeconds(10), CancellationToken.None);
        Assert.Contains(mac, (await fixture.Prober1.ExecAsync("ip", ["neigh", "show", ip])).Stdout, StringComparison.Ordinal);
        var binding = await fixture.Rig.Central.SbctlAsync(["--bare", "--columns=chassis", "find", "Port_Binding", "logical_port=" + lsp]);
        Assert.Equal("node2", (await fixture.Rig.Central.SbctlAsync(["--bare", "--columns=name", "list", "Chassis", binding.Stdout.Trim()])).Stdout.Trim());
        Assert.DoesNotContain("dpdkvhostuserclient", (await fixture.Rig.Nodes[0].VsctlAsync(["--columns=type", "list", "Interface"])).Stdout, StringComparison.Ordinal);

        if (!guestAnnounceOff)
        {
            await RestartVswitchdUnderTheVmAsync(harness, kubeVirt, ip);
        }
    }

    /// <summary>ovs-vswitchd of the VM's node exits and starts again; the client-mode port reconnects to QEMU's socket.</summary>
    /// <summary>Then the daemon reports the NIC connected on the VM's launcher pod as soon as OVS's row says so by link_state or by status.</summary>
    private async Task RestartVswitchdUnderTheVmAsync(VhostUserMigrationHarness harness, VhostUserKubeVirt kubeVirt, string ip)
    {
        var node = harness.Node!;
        var clock = Stopwatch.StartNew();
        var restarted = await VswitchdRestart.RestartAsync(node, fixture.Rig.Manifest, CancellationToken.None);
        fixture.Track(restarted);
        var ping = await DpdkClusterFixture.PingWhenReachableAsync(fixture.Prober1, ip, TimeSpan.FromSeconds(30));
        Assert.True(harness.Vm!.IsRunning, "QEMU died with the vswitchd restart");
        AssertPingOk(ping, "after the vswitchd restart");
        output.WriteLine($"vswitchd on {node.Name} restarted (pid {restarted.Pid}); VM pinged across geneve {clock.ElapsedMilliseconds} ms after the stop");

        var (pod, _) = kubeVirt.PluggedOn(node) ?? throw new InvalidOperationException("no launcher pod plugged on " + node.Name);
        var key = VhostUserPodAnnotations.LinkKey("net1");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        string? link;
        while ((link = (await fixture.Kube.GetAsync<V1Pod>(DpdkClusterFixture.Ns, pod)).Metadata?.Annotations?.GetValueOrDefault(key)) != "up" && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        var row = await node.VsctlAsync(["--columns=name,link_state,status,link_resets", "find", "Interface", "external_ids:pod_name=" + pod]);
        output.WriteLine($"after the restart: {key}={link}; OVS Interface: {row.Stdout.ReplaceLineEndings(" ")}");
        if (link != "up")
        {
            // The daemon reports what OVS's Interface row says. Once (a full-suite run under load) OVS 3.1 kept
            // status=disconnected and link_state=down for 20 s after the restart while the VM answered through the
            // port: the row was stale, not the report. Then the report must still agree with the row.
            var linkState = (await node.VsctlAsync(["--bare", "--columns=link_state", "find", "Interface", "external_ids:pod_name=" + pod])).Stdout.Trim();
            var status = (await node.VsctlAsync(["--bare", "--columns=status", "find", "Interface", "external_ids:pod_name=" + pod])).Stdout;
            var ovsSaysConnected = VmNet.Daemon.Dpdk.VhostUserNicState.IsConnected(linkState, status.Contains("status=connected", StringComparison.Ordinal) ? "connected" : null);
            Assert.False(ovsSaysConnected, $"{pod}: {key}={link ?? "(none)"} after the vswitchd restart although OVS says connected: {row.Stdout}");
            Assert.True(link == "down", $"{pod}: {key}={link ?? "(none)"} after the vswitchd restart; OVS: {row.Stdout}");
            output.WriteLine("OVS's Interface row stayed stale (disconnected) although the VM answers; the report agrees with the row");
        }
    }

    private static void AssertPingOk(CommandResult result, string what) =>
        Assert.True(result.ExitCode == 0, $"ping {what} failed (exit {result.ExitCode}): {result.Stdout} {result.Stderr}");
}
