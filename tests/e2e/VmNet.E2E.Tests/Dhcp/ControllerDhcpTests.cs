using System.Text.Json.Nodes;
using VmNet.E2E.Daemon;
using VmNet.E2E.Multus;
using VmNet.E2E.Rig;
using VmNet.Kube;
using VmNet.Kube.Models;
using VmNet.Multus;
using VmNet.Sandbox.Rig;

namespace VmNet.E2E.Dhcp;

/// <summary>
/// OVN native DHCP through the whole stack: a Subnet with <c>enableDHCP</c> serves a Multus attachment; our controller
/// allocates and writes the DHCP_Options, our daemons plug the NIC on each node, and a real <c>dhclient</c> in the pod
/// netns (the NIC's static address removed, as a VM guest NIC has none) gets exactly the address, router, MTU and DNS
/// the controller allocated, from OVN's responder; a changed <c>dhcpV4Options</c> is seen on the next request.
/// </summary>
[Collection(RigCollection.Name)]
public sealed class ControllerDhcpTests(ControllerRigFixture fixture) : IClassFixture<ControllerRigFixture>, IAsyncLifetime
{
    private const string Ns = "default";
    private const string Provider = "attd.default.ovn";
    public async Task InitializeAsync()
    {
        var subnet = StackPods.Subnet("dhc-d", "10.203.0.0/24", Provider);
        subnet.Spec!.EnableDHCP = true;
        subnet.Spec.DhcpV4Options = "dns_server=10.203.0.53;10.203.0.54";
        await fixture.Kube.CreateAsync(subnet);
        await fixture.Kube.CreateAsync(StackPods.Nad("attd"));
        await fixture.WaitSubnetReadyAsync("dhc-d");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task GuestsOnBothNodesGetTheControllersAllocationFromOvnAndSeeOptionChangesOnRenewal()
    {
        var vm1 = await PlugAsync("dvm1", fixture.Node1);
        var vm2 = await PlugAsync("dvm2", fixture.Node2);
        using var client1 = new DhclientRun();
        using var client2 = new DhclientRun();
        foreach (var (vm, client) in new[] { (vm1, client1), (vm2, client2) })
        {
            var lease = await client.AcquireAsync(vm.Netns, "net1");
            Assert.Equal("BOUND", lease["reason"]);
            Assert.Equal(vm.Annotations[$"{Provider}.kubernetes.io/ip_address"], lease["new_ip_address"]);
            Assert.Equal("255.255.255.0", lease["new_subnet_mask"]);
            Assert.Equal(vm.Annotations[$"{Provider}.kubernetes.io/gateway"], lease["new_routers"]);
            Assert.Equal("1400", lease["new_interface_mtu"]);
            Assert.Equal("10.203.0.53 10.203.0.54", lease["new_domain_name_servers"]);
        }

        var uuid = (await fixture.Kube.GetAsync<V1Subnet>(null, "dhc-d")).Status?.DhcpV4OptionsUUID;
        Assert.False(string.IsNullOrEmpty(uuid));
        await fixture.Kube.PatchAsync<V1Subnet>(null, "dhc-d", KubePatch.Merge(new JsonObject { ["spec"] = new JsonObject { ["dhcpV4Options"] = "dns_server=10.203.0.99,lease_time=600" } }));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!(await fixture.Central.NbctlAsync(["get", "DHCP_Options", uuid!, "options:lease_time"])).Stdout.Contains("600", StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, "dhcpV4Options change never reached the Northbound DB");
            await Task.Delay(100);
        }

        var renewed = await client1.AcquireAsync(vm1.Netns, "net1");
        Assert.Equal("REBOOT", renewed["reason"]);
        Assert.Equal(vm1.Annotations[$"{Provider}.kubernetes.io/ip_address"], renewed["new_ip_address"]);
        Assert.Equal("10.203.0.99", renewed["new_domain_name_servers"]);
        Assert.Equal("600", renewed["new_dhcp_lease_time"]);
    }

    private sealed record Guest(string Netns, IReadOnlyDictionary<string, string> Annotations);

    private async Task<Guest> PlugAsync(string label, OvsNode node)
    {
        var plugged = await StackPods.PlugAsync(
            fixture, fixture.NewName(label), node, new Dictionary<string, string> { [MultusAnnotations.Networks] = "attd" }, ["ovn", Provider], [("eth0", "ovn"), ("net1", Provider)]);
        var (netns, annotations) = (plugged.Netns, plugged.Annotations);

        // A guest NIC has no address until DHCP gives it one.
        var flush = await NetworkNamespace.ExecAsync(netns, "ip", ["addr", "flush", "dev", "net1"], TimeSpan.FromSeconds(10));
        Assert.True(flush.Succeeded, flush.Stderr);
        return new Guest(netns, annotations);
    }
}
