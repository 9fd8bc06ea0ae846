using System.Text.Json.Nodes;
using VmNet.E2E.Multus;
using VmNet.E2E.Rig;
using VmNet.Kube;
using VmNet.Kube.Models;
using VmNet.Multus;
using VmNet.Sandbox.Rig;

namespace VmNet.E2E.Dhcp;

/// <summary>
/// OVN native DHCP through the whole stack: Subnets with <c>enableDHCP</c> serve a Multus attachment; our controller
/// allocates and writes the DHCP_Options (and the router port's RA settings), our daemons plug the NIC on each
/// node, and real ISC clients in the pod netns (the NIC's global addresses removed, as a VM guest NIC has none) get
/// exactly what the controller allocated from OVN's own responders: DHCPv4 (address, router, MTU, DNS; a changed
/// <c>dhcpV4Options</c> seen by the running client's own renewal; a pod's own <c>dhcp_v4_options</c>) and DHCPv6 (address, DNS) with the RA flags
/// <c>enableIPv6RA</c> asks for.
/// </summary>
[Collection(RigCollection.Name)]
public sealed class ControllerDhcpTests(MultusStackFixture fixture) : IClassFixture<MultusStackFixture>, IAsyncLifetime
{
    private const string V4Provider = "attd.default.ovn";
    private const string DualProvider = "attv.default.ovn";

    public async Task InitializeAsync()
    {
        var v4 = StackPods.Subnet("dhc-d", "10.203.0.0/24", V4Provider);
        v4.Spec!.EnableDHCP = true;
        // A short lease so the running client renews within the test (T1 = 10 s).
        v4.Spec.DhcpV4Options = "dns_server=10.203.0.53;10.203.0.54,lease_time=20";
        await fixture.CreateOnceAsync(v4);
        var dual = StackPods.Subnet("dhc-s", "10.205.0.0/24,fd00:205::/64", DualProvider);
        dual.Spec!.EnableDHCP = true;
        dual.Spec.DhcpV6Options = "dns_server=fd00:205::53";
        dual.Spec.EnableIPv6RA = true;
        dual.Spec.Ipv6RAConfigs = "address_mode=dhcpv6_stateful,max_interval=4,min_interval=3,send_periodic=true";
        await fixture.CreateOnceAsync(dual);
        await fixture.CreateOnceAsync(StackPods.Nad("attd"));
        await fixture.CreateOnceAsync(StackPods.Nad("attv"));
        await fixture.WaitSubnetReadyAsync("dhc-d");
        await fixture.WaitSubnetReadyAsync("dhc-s");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task GuestsOnBothNodesGetTheControllersAllocationFromOvnAndTheRunningClientRenewsWithChangedOptions()
    {
        var vm1 = await PlugAsync("dvm1", fixture.Node1, "attd", V4Provider);
        var vm2 = await PlugAsync("dvm2", fixture.Node2, "attd", V4Provider);
        using var client1 = new DhclientRun(configure: true);
        using var client2 = new DhclientRun();
        var leases = new[] { (vm1, await client1.StartAsync(vm1.Netns, "net1")), (vm2, await client2.AcquireAsync(vm2.Netns, "net1")) };
        foreach (var (vm, lease) in leases)
        {
            Assert.Equal("BOUND", lease["reason"]);
            Assert.Equal(vm.Annotations[$"{V4Provider}.kubernetes.io/ip_address"], lease["new_ip_address"]);
            Assert.Equal("255.255.255.0", lease["new_subnet_mask"]);
            Assert.Equal(vm.Annotations[$"{V4Provider}.kubernetes.io/gateway"], lease["new_routers"]);
            Assert.Equal("1400", lease["new_interface_mtu"]);
            Assert.Equal("10.203.0.53 10.203.0.54", lease["new_domain_name_servers"]);
            Assert.Equal("20", lease["new_dhcp_lease_time"]);
        }

        var uuid = (await fixture.Kube.GetAsync<V1Subnet>(null, "dhc-d")).Status?.DhcpV4OptionsUUID;
        Assert.False(string.IsNullOrEmpty(uuid));
        await fixture.Kube.PatchAsync<V1Subnet>(null, "dhc-d", KubePatch.Merge(new JsonObject { ["spec"] = new JsonObject { ["dhcpV4Options"] = "dns_server=10.203.0.99,lease_time=20" } }));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!(await fixture.Central.NbctlAsync(["get", "DHCP_Options", uuid!, "options:dns_server"])).Stdout.Contains("10.203.0.99", StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, "dhcpV4Options change never reached the Northbound DB");
            await Task.Delay(100);
        }

        // The still-running client, which applied its lease as a guest does, renews by unicast at T1 on its own
        // timer (not a fresh request) and sees the new options.
        var renewed = await client1.WaitForRecordAsync(r => r.GetValueOrDefault("reason") == "RENEW" && r.GetValueOrDefault("new_domain_name_servers") == "10.203.0.99", TimeSpan.FromSeconds(45));
        Assert.Equal(vm1.Annotations[$"{V4Provider}.kubernetes.io/ip_address"], renewed["new_ip_address"]);
        Assert.Equal(vm1.Annotations[$"{V4Provider}.kubernetes.io/gateway"], renewed["new_routers"]);
        await client1.StopAsync();
    }

    [Fact]
    public async Task APodsOwnDhcpOptionsOverrideTheSubnetsForItsPortOnly()
    {
        var plugged = await StackPods.PlugAsync(
            fixture,
            fixture.NewName("dvm3"),
            fixture.Node2,
            new Dictionary<string, string>
            {
                [MultusAnnotations.Networks] = "attd",
                [$"{V4Provider}.kubernetes.io/dhcp_v4_options"] = "dns_server=10.203.0.77,lease_time=600",
            },
            ["ovn", V4Provider],
            [("eth0", "ovn"), ("net1", V4Provider)]);
        var flush = await NetworkNamespace.ExecAsync(plugged.Netns, "ip", ["addr", "flush", "dev", "net1", "scope", "global"], TimeSpan.FromSeconds(10));
        Assert.True(flush.Succeeded, flush.Stderr);

        using var client = new DhclientRun();
        var lease = await client.AcquireAsync(plugged.Netns, "net1");
        Assert.Equal(plugged.Annotations[$"{V4Provider}.kubernetes.io/ip_address"], lease["new_ip_address"]);
        Assert.Equal(plugged.Annotations[$"{V4Provider}.kubernetes.io/gateway"], lease["new_routers"]);
        Assert.Equal("10.203.0.77", lease["new_domain_name_servers"]);
        Assert.Equal("600", lease["new_dhcp_lease_time"]);

        // The port has its own row; the subnet's row is untouched.
        var subnetRow = (await fixture.Kube.GetAsync<V1Subnet>(null, "dhc-d")).Status!.DhcpV4OptionsUUID!;
        var portRow = (await fixture.Central.NbctlAsync(["get", "Logical_Switch_Port", $"{plugged.Name}.default.{V4Provider}", "dhcpv4_options"])).Stdout.Trim();
        Assert.NotEqual(subnetRow, portRow);
        Assert.DoesNotContain("10.203.0.77", (await fixture.Central.NbctlAsync(["get", "DHCP_Options", subnetRow, "options"])).Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DualStackGuestsOnBothNodesGetTheirV6AddressAndDnsFromOvnAfterAStatefulRouterAdvertisement()
    {
        foreach (var (label, node) in new[] { ("dv6a", fixture.Node1), ("dv6b", fixture.Node2) })
        {
            var vm = await PlugAsync(label, node, "attv", DualProvider);
            var v6 = vm.Annotations[$"{DualProvider}.kubernetes.io/ip_address"].Split(',')[1];
            Assert.StartsWith("fd00:205::", v6, StringComparison.Ordinal);

            // The router port advertises on request: a link flap makes the guest kernel solicit.
            var capture = NetworkNamespace.ExecAsync(vm.Netns, "timeout", ["25", "tcpdump", "-l", "-n", "-vv", "-c", "1", "-i", "net1", "icmp6 and ip6[40] == 134"], TimeSpan.FromSeconds(40));
            await Task.Delay(1500);
            foreach (var state in new[] { "down", "up" })
            {
                var link = await NetworkNamespace.ExecAsync(vm.Netns, "ip", ["link", "set", "net1", state], TimeSpan.FromSeconds(10));
                Assert.True(link.Succeeded, link.Stderr);
            }

            var ra = await capture;
            Assert.True(ra.ExitCode == 0, $"no router advertisement on {vm.Netns} net1: {ra.Stdout}{ra.Stderr}");
            Assert.Contains("router advertisement", ra.Stdout, StringComparison.Ordinal);
            Assert.Contains("Flags [managed", ra.Stdout, StringComparison.Ordinal);
            Assert.Contains("fd00:205::/64", ra.Stdout, StringComparison.Ordinal);

            // The flap dropped the static global v6 address; the v4 one goes too: the guest asks DHCPv6 from link-local.
            var flush = await NetworkNamespace.ExecAsync(vm.Netns, "ip", ["addr", "flush", "dev", "net1", "scope", "global"], TimeSpan.FromSeconds(10));
            Assert.True(flush.Succeeded, flush.Stderr);
            await WaitLinkLocalAsync(vm.Netns);
            using var client = new DhclientRun(ipv6: true);
            var lease = await client.AcquireAsync(vm.Netns, "net1");
            Assert.Equal("BOUND6", lease["reason"]);
            Assert.Equal(v6, lease["new_ip6_address"]);
            Assert.Equal("fd00:205::53", lease["new_dhcp6_name_servers"]);
        }
    }

    private sealed record Guest(string Netns, IReadOnlyDictionary<string, string> Annotations);

    private async Task<Guest> PlugAsync(string label, OvsNode node, string nad, string provider)
    {
        var plugged = await StackPods.PlugAsync(
            fixture, fixture.NewName(label), node, new Dictionary<string, string> { [MultusAnnotations.Networks] = nad }, ["ovn", provider], [("eth0", "ovn"), ("net1", provider)]);

        // A guest NIC has no address until DHCP gives it one.
        var flush = await NetworkNamespace.ExecAsync(plugged.Netns, "ip", ["addr", "flush", "dev", "net1", "scope", "global"], TimeSpan.FromSeconds(10));
        Assert.True(flush.Succeeded, flush.Stderr);
        return new Guest(plugged.Netns, plugged.Annotations);
    }

    /// <summary>DHCPv6 is sent from the link-local address, usable once duplicate address detection is over.</summary>
    private static async Task WaitLinkLocalAsync(string netns)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            var addresses = (await NetworkNamespace.ExecAsync(netns, "ip", ["-6", "addr", "show", "dev", "net1", "scope", "link"], TimeSpan.FromSeconds(10))).Stdout;
            if (addresses.Contains("fe80:", StringComparison.Ordinal) && !addresses.Contains("tentative", StringComparison.Ordinal))
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"no usable link-local address on {netns} net1: {addresses}");
            await Task.Delay(200);
        }
    }
}
