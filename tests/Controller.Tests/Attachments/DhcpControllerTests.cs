using System.Text.Json.Nodes;
using VmNet.Controller.Tests.Addressing;
using VmNet.Kube;
using VmNet.Kube.Models;
using VmNet.Multus;

namespace VmNet.Controller.Tests.Attachments;

public sealed class DhcpControllerTests : IAsyncLifetime
{
    private const string Ns = "default";
    private AttachmentHarness _h = null!;

    public async Task InitializeAsync() => _h = await AttachmentHarness.StartAsync();

    public async Task DisposeAsync() => await _h.DisposeAsync();

    private async Task<V1Subnet> WaitDhcpUuidAsync(string subnet, Func<V1Subnet, bool> done)
    {
        V1Subnet? current = null;
        await AddressingHarness.WaitUntilAsync(async () => done(current = await _h.Client.GetAsync<V1Subnet>(null, subnet)), TimeSpan.FromSeconds(20), $"subnet {subnet} DHCP status");
        return current!;
    }

    private async Task<string> DhcpAsync(string uuid, string column) => await _h.NbctlAsync("get", "DHCP_Options", uuid, column);

    [Fact]
    public async Task SubnetDhcpRowsStatusAndPortBindingFollowTheSpec()
    {
        var subnet = AttachmentHarness.Subnet("dh1", "10.111.0.0/24", "ovn");
        subnet.Spec!.EnableDHCP = true;
        subnet.Spec.DhcpV4Options = "lease_time=600,dns_server=10.111.0.53;1.1.1.1";
        await _h.Client.CreateAsync(subnet);
        var withUuid = await WaitDhcpUuidAsync("dh1", s => !string.IsNullOrEmpty(s.Status?.DhcpV4OptionsUUID));
        var uuid = withUuid.Status!.DhcpV4OptionsUUID!;
        Assert.True(string.IsNullOrEmpty(withUuid.Status.DhcpV6OptionsUUID));
        Assert.Equal("\"10.111.0.0/24\"", await DhcpAsync(uuid, "cidr"));
        var options = await DhcpAsync(uuid, "options");
        Assert.Contains("lease_time=\"600\"", options, StringComparison.Ordinal);
        Assert.Contains("router=\"10.111.0.1\"", options, StringComparison.Ordinal);
        Assert.Contains("server_id=\"169.254.0.254\"", options, StringComparison.Ordinal);
        Assert.Contains("mtu=\"1400\"", options, StringComparison.Ordinal);
        Assert.Contains("dns_server=\"{10.111.0.53, 1.1.1.1}\"", options, StringComparison.Ordinal);
        var serverMac = (await _h.NbctlAsync("get", "DHCP_Options", uuid, "options:server_mac")).Trim('"');
        Assert.Contains("owner-kind\"=SubnetDhcpOptions", await DhcpAsync(uuid, "external_ids"), StringComparison.Ordinal);

        // A port of the subnet points at the row (v4 only: the port has no v6 address).
        await _h.Client.CreateAsync(KubeTestObjects.Pod(Ns, "vm-a", annotations: new() { ["ovn.kubernetes.io/logical_switch"] = "dh1" }));
        await AddressingHarness.WaitUntilAsync(async () => await _h.LspColumnAsync("vm-a.default", "dhcpv4_options") == uuid, TimeSpan.FromSeconds(20), "port bound to DHCP");
        Assert.Equal("[]", await _h.LspColumnAsync("vm-a.default", "dhcpv6_options"));

        // Changing the options updates the same row and keeps the server MAC.
        await _h.Client.PatchAsync<V1Subnet>(null, "dh1", KubePatch.Merge(new JsonObject { ["spec"] = new JsonObject { ["dhcpV4Options"] = "lease_time=120" } }));
        await AddressingHarness.WaitUntilAsync(async () => (await DhcpAsync(uuid, "options")).Contains("lease_time=\"120\"", StringComparison.Ordinal), TimeSpan.FromSeconds(20), "lease_time updated");
        Assert.Equal(serverMac, (await _h.NbctlAsync("get", "DHCP_Options", uuid, "options:server_mac")).Trim('"'));
        Assert.DoesNotContain("dns_server", await DhcpAsync(uuid, "options"), StringComparison.Ordinal);

        // Disabling removes our row, unbinds the port and clears the status.
        await _h.Client.PatchAsync<V1Subnet>(null, "dh1", KubePatch.Merge(new JsonObject { ["spec"] = new JsonObject { ["enableDHCP"] = false } }));
        await WaitDhcpUuidAsync("dh1", s => string.IsNullOrEmpty(s.Status?.DhcpV4OptionsUUID));
        Assert.Equal(string.Empty, await _h.NbctlAsync("--bare", "--columns=_uuid", "find", "DHCP_Options", "external_ids:ls=dh1"));
        Assert.Equal("[]", await _h.LspColumnAsync("vm-a.default", "dhcpv4_options"));
    }

    [Fact]
    public async Task DualStackSubnetGetsBothFamilies()
    {
        var subnet = AttachmentHarness.Subnet("dh2", "10.112.0.0/24,fd00:112::/64", "ovn");
        subnet.Spec!.EnableDHCP = true;
        subnet.Spec.DhcpV6Options = "dns_server=fd00:112::53";
        await _h.Client.CreateAsync(subnet);
        var s = await WaitDhcpUuidAsync("dh2", x => !string.IsNullOrEmpty(x.Status?.DhcpV4OptionsUUID) && !string.IsNullOrEmpty(x.Status?.DhcpV6OptionsUUID));
        Assert.Equal("\"fd00:112::/64\"", await DhcpAsync(s.Status!.DhcpV6OptionsUUID!, "cidr"));
        var v6 = await DhcpAsync(s.Status.DhcpV6OptionsUUID!, "options");
        Assert.Contains("dns_server=\"fd00:112::53\"", v6, StringComparison.Ordinal);
        Assert.Contains("server_id=", v6, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PerPodOverrideOnAnAttachmentEnablesDhcpOnThatPortOnly()
    {
        await _h.Client.CreateAsync(AttachmentHarness.Subnet("dh3", "10.113.0.0/24", "att3.default.ovn"));
        await _h.Client.CreateAsync(AttachmentHarness.Nad(Ns, "att3", AttachmentHarness.OvnConfig(Ns, "att3")));
        await _h.Client.CreateAsync(KubeTestObjects.Pod(Ns, "po1", annotations: new()
        {
            [MultusAnnotations.Networks] = "att3",
            ["att3.default.ovn.kubernetes.io/dhcp_v4_options"] = "lease_time=77",
        }));
        await _h.WaitAllocatedAsync(Ns, "po1", "att3.default.ovn");
        string? bound = null;
        await AddressingHarness.WaitUntilAsync(async () => (bound = await _h.LspColumnAsync("po1.default.att3.default.ovn", "dhcpv4_options")) is { Length: > 2 }, TimeSpan.FromSeconds(20), "override bound");
        var options = await DhcpAsync(bound!, "options");
        Assert.Contains("lease_time=\"77\"", options, StringComparison.Ordinal);
        Assert.Contains("router=\"10.113.0.1\"", options, StringComparison.Ordinal);
        Assert.Contains("port=po1.default.att3.default.ovn", await DhcpAsync(bound!, "external_ids"), StringComparison.Ordinal);

        // The pod goes: its port and its override row go.
        await _h.Client.DeleteAsync<V1Pod>(Ns, "po1");
        await AddressingHarness.WaitUntilAsync(async () => await _h.NbctlAsync("--bare", "--columns=_uuid", "find", "DHCP_Options", "external_ids:port=po1.default.att3.default.ovn") == string.Empty, TimeSpan.FromSeconds(20), "override row deleted");
    }

    [Fact]
    public async Task BadOptionsAreAWarningOnTheSubnet()
    {
        var subnet = AttachmentHarness.Subnet("dh4", "10.114.0.0/24", "ovn");
        subnet.Spec!.EnableDHCP = true;
        subnet.Spec.DhcpV4Options = "lease_time=soon";
        await _h.Client.CreateAsync(subnet);
        var message = await EventsAsync.WaitForWarningAsync(_h.Client, "default", "dh4", "lease_time=soon", kind: "Subnet");
        Assert.Contains("dhcpV4Options", message, StringComparison.Ordinal);
        Assert.Equal(string.Empty, await _h.NbctlAsync("--bare", "--columns=_uuid", "find", "DHCP_Options", "external_ids:ls=dh4"));
    }
    [Fact]
    public async Task Ipv6RaConfigsGoOnTheSubnetsRouterPort()
    {
        var subnet = AttachmentHarness.Subnet("dh5", "fd00:115::/64", "ovn");
        subnet.Spec!.EnableIPv6RA = true;
        subnet.Spec.Ipv6RAConfigs = "address_mode=dhcpv6_stateless,max_interval=60";
        await _h.Client.CreateAsync(subnet);
        string? configs = null;
        await AddressingHarness.WaitUntilAsync(async () => (configs = await _h.NbctlAsync("--if-exists", "get", "Logical_Router_Port", "ovn-cluster-dh5", "ipv6_ra_configs")).Contains("dhcpv6_stateless", StringComparison.Ordinal), TimeSpan.FromSeconds(20), "RA configs");
        Assert.Equal("{address_mode=dhcpv6_stateless, max_interval=\"60\", min_interval=\"5\", send_periodic=\"true\"}", configs);

        await _h.Client.PatchAsync<V1Subnet>(null, "dh5", KubePatch.Merge(new JsonObject { ["spec"] = new JsonObject { ["enableIPv6RA"] = false } }));
        await AddressingHarness.WaitUntilAsync(async () => await _h.NbctlAsync("get", "Logical_Router_Port", "ovn-cluster-dh5", "ipv6_ra_configs") == "{}", TimeSpan.FromSeconds(20), "RA configs removed");
    }
    [Fact]
    public async Task RemovingThePodOverrideFallsBackToTheSubnetRow()
    {
        var subnet = AttachmentHarness.Subnet("dh6", "10.116.0.0/24", "ovn");
        subnet.Spec!.EnableDHCP = true;
        await _h.Client.CreateAsync(subnet);
        var subnetRow = (await WaitDhcpUuidAsync("dh6", s => !string.IsNullOrEmpty(s.Status?.DhcpV4OptionsUUID))).Status!.DhcpV4OptionsUUID!;
        await _h.Client.CreateAsync(KubeTestObjects.Pod(Ns, "po6", annotations: new()
        {
            ["ovn.kubernetes.io/logical_switch"] = "dh6",
            ["ovn.kubernetes.io/dhcp-v4-options"] = "lease_time=66",
        }));
        string? bound = null;
        await AddressingHarness.WaitUntilAsync(async () => (bound = await _h.LspColumnAsync("po6.default", "dhcpv4_options")) is { Length: > 2 } b && b != subnetRow, TimeSpan.FromSeconds(20), "override bound");
        Assert.Contains("lease_time=\"66\"", await DhcpAsync(bound!, "options"), StringComparison.Ordinal);

        await _h.Client.PatchAsync<V1Pod>(Ns, "po6", KubePatch.Merge(new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { ["ovn.kubernetes.io/dhcp-v4-options"] = null } } }));
        await AddressingHarness.WaitUntilAsync(async () => await _h.LspColumnAsync("po6.default", "dhcpv4_options") == subnetRow, TimeSpan.FromSeconds(20), "back on the subnet row");
        Assert.Equal(string.Empty, await _h.NbctlAsync("--bare", "--columns=_uuid", "find", "DHCP_Options", "external_ids:port=po6.default"));
    }
}
