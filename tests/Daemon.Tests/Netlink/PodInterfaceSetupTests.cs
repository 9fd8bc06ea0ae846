using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text.Json;
using VmNet.Daemon.Netlink;

namespace VmNet.Daemon.Tests.Netlink;

/// <summary>
/// The CNI ADD sequence against the real kernel, each step checked with iproute2/ethtool as an independent
/// witness: veth with the peer created inside the pod netns, rename to eth0, MAC, MTU, up, v4 and v6
/// addresses, default routes, an on-link route, TX checksum offload off, then delete.
/// </summary>
public class PodInterfaceSetupTests
{
    private static readonly PhysicalAddress PodMac = PhysicalAddress.Parse("0a:58:0a:10:00:05");

    [Fact]
    public async Task VethIntoPodNamespaceIsConfiguredAsCniAddDoes()
    {
        var ct = TestDeadline.Token;
        var prefix = TestNames.NewPrefix();
        var hostName = prefix + "h";
        var peerName = prefix + "c";
        using var netns = new TestNetns(prefix + "ns");
        using var podNamespace = NetworkNamespace.Open(netns.Path);
        using var host = RouteNetlinkClient.Open();
        try
        {
            await host.CreateVethAsync(new VethPairSpec(hostName, peerName) { PeerNamespace = podNamespace, Mtu = 1400 }, ct);
            Assert.NotNull(IpTool.Link(null, hostName));
            Assert.Null(IpTool.Link(null, peerName));
            Assert.NotNull(IpTool.Link(netns.Name, peerName));

            using var pod = await RouteNetlinkClient.OpenInAsync(podNamespace, ct);
            await pod.SetLinkAsync(peerName, new LinkChanges { NewName = "eth0", MacAddress = PodMac, Mtu = 1400, Up = true }, ct);
            await host.SetUpAsync(hostName, ct);
            await pod.AddAddressAsync("eth0", InterfaceAddress.Parse("10.16.0.5/24"), null, ct);
            await pod.AddAddressAsync("eth0", InterfaceAddress.Parse("fd00:10:16::5/64"), new AddressOptions(NoDad: true), ct);
            await pod.AddRouteAsync(RouteSpec.DefaultVia(IPAddress.Parse("10.16.0.1"), "eth0"), ct);
            await pod.AddRouteAsync(RouteSpec.DefaultVia(IPAddress.Parse("fd00:10:16::1"), "eth0"), ct);
            await pod.AddRouteAsync(RouteSpec.OnLinkVia(InterfaceAddress.Parse("10.99.0.0/16"), "eth0") with { Metric = 20 }, ct);
            using (var ethtool = await EthtoolSocket.OpenInAsync(podNamespace, ct))
            {
                Assert.True(ethtool.GetTxChecksum("eth0"));
                ethtool.SetTxChecksum("eth0", enabled: false);
                Assert.False(ethtool.GetTxChecksum("eth0"));
            }

            AssertLinkAsIpSeesIt(netns.Name);
            AssertAddressesAsIpSeesThem(netns.Name);
            AssertRoutesAsIpSeesThem(netns.Name);
            Assert.Equal("off", IpTool.TxChecksumming(netns.Name, "eth0"));
            Assert.Equal("on", IpTool.TxChecksumming(netns.Name, "lo"));

            var eth0 = await pod.GetLinkAsync("eth0", ct);
            Assert.Equal(PodMac, eth0.MacAddress);
            Assert.Equal(1400, eth0.Mtu);
            Assert.True(eth0.IsUp);
            Assert.Equal("veth", eth0.Kind);
            var hostEnd = await host.GetLinkAsync(hostName, ct);
            Assert.Equal(eth0.Index, hostEnd.PeerIndex);
            Assert.NotNull(hostEnd.LinkNetNsId);
            Assert.Equal(eth0, await pod.GetLinkAsync(eth0.Index, ct));

            await host.DeleteLinkAsync(hostName, ct);
            Assert.Null(IpTool.Link(null, hostName));
            Assert.Null(IpTool.Link(netns.Name, "eth0"));
            Assert.Null(await pod.TryGetLinkAsync("eth0", ct));
        }
        finally
        {
            await host.DeleteLinkIfExistsAsync(hostName, CancellationToken.None);
        }
    }

    [Fact]
    public async Task ReadBackMatchesWhatWasWritten()
    {
        var ct = TestDeadline.Token;
        var prefix = TestNames.NewPrefix();
        using var netns = new TestNetns(prefix + "ns");
        using var podNamespace = NetworkNamespace.Open(netns.Path);
        using var pod = await RouteNetlinkClient.OpenInAsync(podNamespace, ct);

        // Both ends inside the namespace: the client's own namespace is where the first end goes.
        await pod.CreateVethAsync(new VethPairSpec(prefix + "a", prefix + "b"), ct);
        await pod.SetLinkAsync(prefix + "a", new LinkChanges { Up = true }, ct);
        await pod.SetUpAsync(prefix + "b", ct);
        await pod.AddAddressAsync(prefix + "a", InterfaceAddress.Parse("10.20.0.2/24"), null, ct);
        await pod.AddAddressAsync(prefix + "a", InterfaceAddress.Parse("fd00:20::2/64"), new AddressOptions(NoDad: true), ct);
        await pod.AddRouteAsync(new RouteSpec { Destination = InterfaceAddress.Parse("10.30.0.0/16"), Gateway = IPAddress.Parse("10.20.0.1"), Metric = 100 }, ct);
        await pod.AddRouteAsync(new RouteSpec { Destination = InterfaceAddress.Parse("10.40.0.0/16"), InterfaceName = prefix + "a", Table = 1000 }, ct);

        var links = await pod.ListLinksAsync(ct);
        Assert.Equal(["lo", prefix + "a", prefix + "b"], links.Select(l => l.Name).Order(StringComparer.Ordinal));

        var v4 = await pod.ListAddressesAsync(prefix + "a", AddressFamily.InterNetwork, ct);
        Assert.Equal("10.20.0.2/24", Assert.Single(v4).Address.ToString());
        var v6 = await pod.ListAddressesAsync(prefix + "a", AddressFamily.InterNetworkV6, ct);
        var global = Assert.Single(v6, a => a.Scope == 0);
        Assert.Equal("fd00:20::2/64", global.Address.ToString());
        Assert.NotEqual(0u, global.Flags & AddressInfo.FlagNoDad);
        Assert.False(global.IsTentative);

        var main = await pod.ListRoutesAsync(AddressFamily.InterNetwork, RouteSpec.MainTable, ct);
        var viaGateway = Assert.Single(main, r => r.Destination?.ToString() == "10.30.0.0/16");
        Assert.Equal(IPAddress.Parse("10.20.0.1"), viaGateway.Gateway);
        Assert.Equal(100u, viaGateway.Metric);
        var table1000 = await pod.ListRoutesAsync(AddressFamily.InterNetwork, 1000, ct);
        Assert.Equal("10.40.0.0/16", Assert.Single(table1000).Destination?.ToString());
        Assert.Equal("10.40.0.0/16", Assert.Single(IpTool.Json(netns.Name, "route", "show", "table", "1000").EnumerateArray()).GetProperty("dst").GetString());

        // Replace swaps the gateway in place; delete removes; address delete removes.
        await pod.ReplaceRouteAsync(new RouteSpec { Destination = InterfaceAddress.Parse("10.30.0.0/16"), Gateway = IPAddress.Parse("10.20.0.9"), Metric = 100 }, ct);
        var replaced = Assert.Single(IpTool.Json(netns.Name, "route", "show", "10.30.0.0/16").EnumerateArray());
        Assert.Equal("10.20.0.9", replaced.GetProperty("gateway").GetString());
        await pod.DeleteRouteAsync(new RouteSpec { Destination = InterfaceAddress.Parse("10.30.0.0/16"), Gateway = IPAddress.Parse("10.20.0.9"), Metric = 100 }, ct);
        Assert.Empty(IpTool.Json(netns.Name, "route", "show", "10.30.0.0/16").EnumerateArray());
        await pod.DeleteAddressAsync(prefix + "a", InterfaceAddress.Parse("10.20.0.2/24"), ct);
        Assert.Empty(await pod.ListAddressesAsync(prefix + "a", AddressFamily.InterNetwork, ct));
    }

    [Fact]
    public async Task DefaultRouteThroughDeviceWithoutGatewayIsScopeLink()
    {
        var ct = TestDeadline.Token;
        var prefix = TestNames.NewPrefix();
        using var netns = new TestNetns(prefix + "ns");
        using var podNamespace = NetworkNamespace.Open(netns.Path);
        using var pod = await RouteNetlinkClient.OpenInAsync(podNamespace, ct);
        await pod.CreateVethAsync(new VethPairSpec(prefix + "a", prefix + "b"), ct);
        await pod.SetUpAsync(prefix + "a", ct);

        await pod.AddRouteAsync(new RouteSpec { Destination = InterfaceAddress.Parse("0.0.0.0/0"), InterfaceName = prefix + "a", Mtu = 1300 }, ct);

        var route = Assert.Single(IpTool.Json(netns.Name, "-4", "route", "show", "default").EnumerateArray());
        Assert.Equal(prefix + "a", route.GetProperty("dev").GetString());
        Assert.Equal("link", route.GetProperty("scope").GetString());
        Assert.Contains("1300", route.GetProperty("metrics").ToString(), StringComparison.Ordinal);
        var listed = Assert.Single(await pod.ListRoutesAsync(AddressFamily.InterNetwork, RouteSpec.MainTable, ct), r => r.IsDefault);
        Assert.Null(listed.Gateway);
        Assert.Equal((await pod.GetLinkAsync(prefix + "a", ct)).Index, listed.OutputInterfaceIndex);
    }

    [Fact]
    public async Task LinkMovedIntoNamespaceIsRenamedInTheSameRequest()
    {
        var ct = TestDeadline.Token;
        var prefix = TestNames.NewPrefix();
        using var netns = new TestNetns(prefix + "ns");
        using var podNamespace = NetworkNamespace.Open(netns.Path);
        using var host = RouteNetlinkClient.Open();
        try
        {
            await host.CreateVethAsync(new VethPairSpec(prefix + "h", prefix + "m"), ct);
            await host.MoveLinkToNamespaceAsync(prefix + "m", podNamespace, "eth1", ct);

            Assert.Null(IpTool.Link(null, prefix + "m"));
            Assert.Null(IpTool.Link(null, "eth1"));
            var moved = IpTool.Link(netns.Name, "eth1");
            Assert.NotNull(moved);
            Assert.Equal("veth", moved.Value.GetProperty("linkinfo").GetProperty("info_kind").GetString());
        }
        finally
        {
            await host.DeleteLinkIfExistsAsync(prefix + "h", CancellationToken.None);
        }
    }

    private static void AssertLinkAsIpSeesIt(string netns)
    {
        var link = IpTool.Link(netns, "eth0") ?? throw new Xunit.Sdk.XunitException("eth0 missing in " + netns);
        Assert.Equal("0a:58:0a:10:00:05", link.GetProperty("address").GetString());
        Assert.Equal(1400, link.GetProperty("mtu").GetInt32());
        Assert.Contains("UP", link.GetProperty("flags").EnumerateArray().Select(f => f.GetString()));
    }

    private static void AssertAddressesAsIpSeesThem(string netns)
    {
        var info = IpTool.Json(netns, "addr", "show", "dev", "eth0")[0].GetProperty("addr_info").EnumerateArray().ToList();
        var v4 = Assert.Single(info, a => a.GetProperty("family").GetString() == "inet");
        Assert.Equal("10.16.0.5", v4.GetProperty("local").GetString());
        Assert.Equal(24, v4.GetProperty("prefixlen").GetInt32());
        Assert.Equal("10.16.0.255", v4.GetProperty("broadcast").GetString());
        var v6 = Assert.Single(info, a => a.GetProperty("family").GetString() == "inet6" && a.GetProperty("scope").GetString() == "global");
        Assert.Equal("fd00:10:16::5", v6.GetProperty("local").GetString());
        Assert.Equal(64, v6.GetProperty("prefixlen").GetInt32());
        Assert.True(v6.TryGetProperty("nodad", out var nodad) && nodad.GetBoolean());
    }

    private static void AssertRoutesAsIpSeesThem(string netns)
    {
        var v4 = IpTool.Json(netns, "-4", "route", "show").EnumerateArray().ToList();
        var defaultV4 = Assert.Single(v4, r => r.GetProperty("dst").GetString() == "default");
        Assert.Equal("10.16.0.1", defaultV4.GetProperty("gateway").GetString());
        Assert.Equal("eth0", defaultV4.GetProperty("dev").GetString());
        var onLink = Assert.Single(v4, r => r.GetProperty("dst").GetString() == "10.99.0.0/16");
        Assert.Equal("link", onLink.GetProperty("scope").GetString());
        Assert.Equal(20, onLink.GetProperty("metric").GetInt32());
        Assert.False(onLink.TryGetProperty("gateway", out _));

        var v6 = IpTool.Json(netns, "-6", "route", "show").EnumerateArray().ToList();
        var defaultV6 = Assert.Single(v6, r => r.GetProperty("dst").GetString() == "default");
        Assert.Equal("fd00:10:16::1", defaultV6.GetProperty("gateway").GetString());
    }
}
