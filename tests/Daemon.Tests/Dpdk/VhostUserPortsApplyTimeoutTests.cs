using System.Diagnostics;
using VmNet.Daemon.Dpdk;
using VmNet.Daemon.Tests.Hosting;
using VmNet.Ovsdb.Client;
using VmNet.Ovsdb.Wire;

namespace VmNet.Daemon.Tests.Dpdk;

/// <summary>
/// A node whose DPDK ovs-vswitchd is not running (or failed EAL init): the Open_vSwitch database says DPDK is
/// there, but nothing ever bumps cur_cfg. ADD and DEL must fail with a clear, bounded error, and ADD must not leave
/// its port in the database.
/// </summary>
public sealed class VhostUserPortsApplyTimeoutTests(VswitchOvsdbFixture ovsdb) : IClassFixture<VswitchOvsdbFixture>
{
    [Fact]
    public async Task WaitsForVswitchdAreBoundedWithAClearErrorAndAddLeavesNoPort()
    {
        await ovsdb.VsctlAsync(
            "--may-exist", "add-br", "br-int", "--", "set", "Bridge", "br-int", "datapath_type=netdev",
            "--", "set", "Open_vSwitch", ".", "dpdk_initialized=true", "dpdk_version=\"DPDK 22.11.11\"",
            "datapath_types=[netdev,system]", "iface_types=[dpdkvhostuserclient,internal]");
        await using var client = await OvsdbClient.ConnectAsync(new OvsdbClientOptions { Endpoints = [OvsdbEndpoint.Unix(ovsdb.Server.SocketPath)], Database = "Open_vSwitch" }, CancellationToken.None);
        await client.WaitConnectedAsync(CancellationToken.None);
        var ports = new VhostUserPorts(client, "br-int", TimeSpan.FromSeconds(1));
        Assert.True(ports.Capability().CanCreateVhostUserPorts, ports.Capability().ToString());

        var clock = Stopwatch.StartNew();
        var add = await Assert.ThrowsAsync<VhostUserException>(() => ports.AddAsync(
            new VhostUserPortSpec { Name = "vhu-timeout", IfaceId = "vm.ns", SocketPath = "/run/vs/uid/vol/sock", Mtu = 1400, ExternalIds = new Dictionary<string, string>() },
            CancellationToken.None));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"ADD took {clock.Elapsed}");
        Assert.Equal("ovs-vswitchd", add.Field);
        Assert.False(add.IsBadRequest);
        Assert.Contains("did not apply the change to bridge br-int within 1 s", add.Message, StringComparison.Ordinal);
        Assert.Contains("cur_cfg", add.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("vhu-timeout", (await ovsdb.VsctlAsync("list-ports", "br-int")).Stdout, StringComparison.Ordinal);

        // A port vswitchd never saw: DEL's wait is bounded too; a repeated DEL finds nothing and succeeds.
        await ovsdb.VsctlAsync("add-port", "br-int", "vhu-stale", "--", "set", "Interface", "vhu-stale", "type=dpdkvhostuserclient");
        await client.Cache.WaitForRowAsync("Interface", r => r.Name == "vhu-stale", new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);
        var del = await Assert.ThrowsAsync<VhostUserException>(() => ports.RemoveAsync("vhu-stale", CancellationToken.None));
        Assert.Equal("ovs-vswitchd", del.Field);
        await client.Cache.WaitForRowAsync("Bridge", r => r.Name == "br-int" && r.GetSet<Guid>("ports").Count == 1, new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);
        Assert.False(await ports.RemoveAsync("vhu-stale", CancellationToken.None));
    }
}
