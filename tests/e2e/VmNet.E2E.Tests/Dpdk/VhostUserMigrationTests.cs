using VmNet.Daemon.Dpdk;
using VmNet.Dpdk;
using VmNet.E2E.Rig;
using VmNet.Sandbox.Qemu;
using VmNet.Sandbox.Rig;
using VmNet.Sandbox.Rig.Dpdk;
using Xunit.Abstractions;

namespace VmNet.E2E.Dpdk;

/// <summary>
/// A real QEMU/TCG live migration of a VM whose only NIC is vhost-user, DPDK node1 -> DPDK node2: each launcher
/// pod gets its own dpdkvhostuserclient port (same iface-id) through the daemon-side attachment code; the LSP goes
/// multi-chassis with the activation strategy <see cref="VhostUserActivation"/> allows for the guest's
/// guest_announce setting. IP and MAC kept, the TCP connection survives, reachable afterwards.
/// </summary>
[Collection(RigCollection.Name)]
public sealed class VhostUserMigrationTests(DpdkRigFixture fixture, ITestOutputHelper output) : IClassFixture<DpdkRigFixture>
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task VhostUserVmMigratesBetweenDpdkNodesKeepingAddressAndTcp(bool guestAnnounceOff)
    {
        var guest = await GuestImage.GetOrBuildAsync();
        var attachments = new Dictionary<string, VhostUserAttachment>();
        async Task<VhostUserAttachment> On(OvsNode node)
        {
            if (!attachments.TryGetValue(node.Name, out var a))
            {
                attachments[node.Name] = a = await fixture.AttachmentOnAsync(node);
            }

            return a;
        }

        var tag = guestAnnounceOff ? "off" : "on";
        var options = new QemuVmOptions { Guest = guest, Mac = DpdkRigFixture.MigratingMac, IpCidr = DpdkRigFixture.MigratingIp + "/16", Mtu = DpdkRigFixture.Mtu };
        await using var harness = new VhostUserMigrationHarness(
            fixture.Rig,
            DpdkRigFixture.MigratingPort,
            options,
            guestAnnounceOff,
            async (node, uid, port, ct) =>
            {
                fixture.CreateEmptyDir(uid + tag, "vhostuser-sockets");
                var request = fixture.Request(uid + tag, port, ifaceId: DpdkRigFixture.MigratingPort, mac: DpdkRigFixture.MigratingMac);
                return (await (await On(node)).AddAsync(request, ct)).SocketPath!;
            },
            async (node, port, ct) => await (await On(node)).DelAsync(port, ct),
            fixture.Pod1);

        await harness.BootAsync(fixture.Rig.Nodes[0], TimeSpan.FromSeconds(90), CancellationToken.None);
        var sample = await harness.MigrateToAsync(fixture.Rig.Nodes[1], CancellationToken.None);
        output.WriteLine(
            $"guest_announce={(guestAnnounceOff ? "off" : "on")} activation={sample.Activation.Activation}: downtime {sample.Qemu.Downtime?.TotalMilliseconds} ms, total {sample.Qemu.TotalTime?.TotalMilliseconds} ms, " +
            $"ping max gap {sample.Ping.MaxGap.TotalMilliseconds:0} ms lost {sample.Ping.Lost}/{sample.Ping.Transmitted}, resume->first reply {sample.ResumeToFirstReply?.TotalMilliseconds:0} ms, " +
            $"tcp alive {sample.Tcp.Alive} intact {sample.Tcp.Intact} max stall {sample.Tcp.MaxStall.TotalMilliseconds:0} ms");

        Assert.Equal(guestAnnounceOff ? MigrationActivation.Rarp : MigrationActivation.None, sample.Activation.Activation);
        Assert.True(sample.Tcp.Alive && sample.Tcp.Intact, $"TCP echo broke: {sample.Tcp.Error}");
        Assert.True(sample.Ping.MaxGap < TimeSpan.FromSeconds(2), $"ping gap {sample.Ping.MaxGap.TotalMilliseconds:0} ms: the target port was not activated promptly");
        Assert.Equal("node2", harness.Node!.Name);

        // Same IP answers from node2 with the same MAC (the prober's neighbour entry is refreshed by the replies).
        await harness.WaitReachableAsync(TimeSpan.FromSeconds(10), CancellationToken.None);
        var neigh = await fixture.Pod1.ExecAsync("ip", ["neigh", "show", DpdkRigFixture.MigratingIp]);
        Assert.Contains(DpdkRigFixture.MigratingMac, neigh.Stdout, StringComparison.Ordinal);
        var binding = await fixture.Rig.Central.SbctlAsync(["--bare", "--columns=chassis", "find", "Port_Binding", "logical_port=" + DpdkRigFixture.MigratingPort]);
        var chassis = await fixture.Rig.Central.SbctlAsync(["--bare", "--columns=name", "list", "Chassis", binding.Stdout.Trim()]);
        Assert.Equal("node2", chassis.Stdout.Trim());
    }
}
