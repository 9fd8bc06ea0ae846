using VmNet.Controller.Dhcp;
using VmNet.Dhcp;
using VmNet.E2E.Rig;
using VmNet.Ovsdb.Client;
using VmNet.Ovsdb.Northbound;
using VmNet.Sandbox.Rig;
using VmNet.TestSupport;

namespace VmNet.E2E.Dhcp;

/// <summary>
/// OVN's own DHCP responder answers a real client with exactly the options our controller's DHCP writer put in
/// the Northbound DB: two VM ports, one per node, bound by ovn-controller; a change of the subnet's options is
/// seen on the next request. (The rows are written by the controller's <see cref="DhcpRowWriter"/> and
/// <see cref="PortDhcpBinder"/> over our OVSDB client, as <see cref="SubnetDhcpReconciler"/> does.)
/// </summary>
public sealed class OvnDhcpTests(DhcpRigFixture fixture) : IClassFixture<DhcpRigFixture>
{
    [Fact]
    public async Task RealClientsOnBothNodesGetTheAllocatedAddressRouterMtuAndDns()
    {
        var subnet = DhcpSubnetInput.From(KubeOvnTopology.Switch, KubeOvnTopology.Cidr, KubeOvnTopology.Gateway, 1400);
        await using var northbound = await fixture.ConnectNorthboundAsync();
        var rows = new DhcpRowWriter(northbound);
        var spec = DhcpOptionsBuilder.V4(subnet, "dhcpV4Options", "dns_server=10.16.0.53;10.16.0.54", null, rows.NewServerMac);
        var owner = DhcpRowWriter.SubnetOwner(KubeOvnTopology.Switch, DhcpProtocol.IPv4);
        var uuid = await rows.EnsureAsync(spec, owner, CancellationToken.None);
        await WaitCachedAsync(northbound, uuid);

        var vms = new[] { (fixture.Vm1, "10.16.0.31"), (fixture.Vm2, "10.16.0.32") };
        foreach (var (vm, _) in vms)
        {
            await new PortDhcpBinder(northbound).BindAsync(vm.Options.LogicalPort, uuid, null, CancellationToken.None);
        }

        using var vm1Client = new DhclientRun();
        using var vm2Client = new DhclientRun();
        foreach (var (vm, ip, client) in new[] { (fixture.Vm1, "10.16.0.31", vm1Client), (fixture.Vm2, "10.16.0.32", vm2Client) })
        {
            var lease = await client.AcquireAsync(vm.Netns);
            Assert.Equal("BOUND", lease["reason"]);
            Assert.Equal(ip, lease["new_ip_address"]);
            Assert.Equal("255.255.0.0", lease["new_subnet_mask"]);
            Assert.Equal(KubeOvnTopology.Gateway, lease["new_routers"]);
            Assert.Equal("1400", lease["new_interface_mtu"]);
            Assert.Equal("10.16.0.53 10.16.0.54", lease["new_domain_name_servers"]);
            Assert.Equal("3600", lease["new_dhcp_lease_time"]);
        }

        // The subnet's options change: the same row is updated and a renewing client sees it.
        var serverMac = spec.Options["server_mac"];
        var changed = DhcpOptionsBuilder.V4(subnet, "dhcpV4Options", "lease_time=600,dns_server=10.16.0.99,mtu=1300", rows.Find(owner)!.Options, rows.NewServerMac);
        Assert.Equal(uuid, await rows.EnsureAsync(changed, owner, CancellationToken.None));
        Assert.Equal(serverMac, changed.Options["server_mac"]);

        // Both hypervisors have the new options in their flows before the client asks (under load northd and
        // ovn-controller can lag the Northbound write by longer than the client's request takes).
        Assert.True((await fixture.Rig.Central.NbctlAsync(["--wait=hv", "--timeout=30", "sync"])).Succeeded, "ovn-nbctl --wait=hv sync");
        // Same lease file: the client re-requests its lease (INIT-REBOOT) instead of discovering anew.
        var renewed = await vm1Client.AcquireAsync(fixture.Vm1.Netns);
        Assert.Equal("REBOOT", renewed["reason"]);
        Assert.Equal("10.16.0.31", renewed["new_ip_address"]);
        Assert.Equal("10.16.0.99", renewed["new_domain_name_servers"]);
        Assert.Equal("1300", renewed["new_interface_mtu"]);
        Assert.Equal("600", renewed["new_dhcp_lease_time"]);
    }

    private static async Task WaitCachedAsync(OvsdbClient northbound, Guid uuid)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (northbound.Cache.Get(DhcpOptions.Table, uuid) is null)
        {
            Assert.True(DateTime.UtcNow < deadline, "DHCP_Options row never reached the client cache");
            await Task.Delay(20);
        }
    }
}

/// <summary>Two-node rig with Kube-OVN's topology and two VM ports (one per node), bound and up, without static config in use.</summary>
public sealed class DhcpRigFixture : TwoNodeRigFixture
{
    public TestPod Vm1 { get; private set; } = null!;

    public TestPod Vm2 { get; private set; } = null!;

    public Task<OvsdbClient> ConnectNorthboundAsync() => OvsdbClient.ConnectAsync(
        new OvsdbClientOptions
        {
            Endpoints = OvsdbClientOptions.ParseRemotes(Rig.Central.NorthboundConnection),
            Database = "OVN_Northbound",
            Tables = [LogicalSwitch.Table, LogicalSwitchPort.Table, DhcpOptions.Table],
        },
        CancellationToken.None);

    protected override async Task OnStartedAsync(Sandbox.Rig.Rig startedRig)
    {
        await KubeOvnTopology.CreateAsync(startedRig.Central);
        var suffix = startedRig.RunId.Value;
        await KubeOvnTopology.AddPortAsync(startedRig.Central, "dvm1." + suffix, "0a:00:00:10:00:31", "10.16.0.31");
        await KubeOvnTopology.AddPortAsync(startedRig.Central, "dvm2." + suffix, "0a:00:00:10:00:32", "10.16.0.32");
        // The netns interfaces get a link-local placeholder: the address under test comes from DHCP.
        Vm1 = await startedRig.AddPodAsync(startedRig.Nodes[0], startedRig.PodOptions("dvm1", "dvm1." + suffix, "0a:00:00:10:00:31", "169.254.99.1/32", null));
        Vm2 = await startedRig.AddPodAsync(startedRig.Nodes[1], startedRig.PodOptions("dvm2", "dvm2." + suffix, "0a:00:00:10:00:32", "169.254.99.2/32", null));
        await startedRig.SyncHypervisorsAsync();
        await startedRig.WaitPortUpAsync("dvm1." + suffix);
        await startedRig.WaitPortUpAsync("dvm2." + suffix);
    }
}
