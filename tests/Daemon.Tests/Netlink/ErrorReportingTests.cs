using System.Net;
using VmNet.Daemon.Netlink;

namespace VmNet.Daemon.Tests.Netlink;

/// <summary>Kernel refusals arrive as typed exceptions carrying errno and naming the object at fault.</summary>
public class ErrorReportingTests
{
    [Fact]
    public async Task CreatingAnExistingLinkFailsWithEexistNamingIt()
    {
        var ct = TestDeadline.Token;
        var prefix = TestNames.NewPrefix();
        using var host = RouteNetlinkClient.Open();
        try
        {
            await host.CreateVethAsync(new VethPairSpec(prefix + "h", prefix + "c"), ct);
            var ex = await Assert.ThrowsAsync<NetlinkException>(() => host.CreateVethAsync(new VethPairSpec(prefix + "h", prefix + "d"), ct));

            Assert.Equal(17, ex.Errno);
            Assert.Equal("EEXIST", ex.ErrnoName);
            Assert.StartsWith($"RTM_NEWLINK veth {prefix}h peer {prefix}d: EEXIST (File exists)", ex.Message, StringComparison.Ordinal);
            Assert.Null(IpTool.Link(null, prefix + "d"));
        }
        finally
        {
            await host.DeleteLinkIfExistsAsync(prefix + "h", CancellationToken.None);
        }
    }

    [Fact]
    public async Task MissingLinksFailWithEnodevNamingThem()
    {
        var ct = TestDeadline.Token;
        var missing = TestNames.NewPrefix() + "zz";
        using var host = RouteNetlinkClient.Open();

        var get = await Assert.ThrowsAsync<NetlinkException>(() => host.GetLinkAsync(missing, ct));
        Assert.Equal("ENODEV", get.ErrnoName);
        Assert.Contains(missing, get.Message, StringComparison.Ordinal);

        var delete = await Assert.ThrowsAsync<NetlinkException>(() => host.DeleteLinkAsync(missing, ct));
        Assert.Equal("ENODEV", delete.ErrnoName);
        Assert.Equal("RTM_DELLINK " + missing, delete.Operation);

        var mtu = await Assert.ThrowsAsync<NetlinkException>(() => host.SetMtuAsync(missing, 1400, ct));
        Assert.Contains(missing, mtu.Message, StringComparison.Ordinal);

        var address = await Assert.ThrowsAsync<NetlinkException>(() => host.AddAddressAsync(missing, InterfaceAddress.Parse("10.1.0.1/24"), null, ct));
        Assert.Equal("ENODEV", address.ErrnoName);

        Assert.Null(await host.TryGetLinkAsync(missing, ct));
        Assert.False(await host.DeleteLinkIfExistsAsync(missing, ct));
        Assert.Equal("ENODEV", (await Assert.ThrowsAsync<EthtoolException>(() => Task.Run(() => EthtoolSocket.Open().GetTxChecksum(missing), ct))).ErrnoName);
    }

    [Fact]
    public async Task MissingAddressAndRouteReportWhatWasAskedFor()
    {
        var ct = TestDeadline.Token;
        var prefix = TestNames.NewPrefix();
        using var netns = new TestNetns(prefix + "ns");
        using var ns = NetworkNamespace.Open(netns.Path);
        using var client = await RouteNetlinkClient.OpenInAsync(ns, ct);
        await client.CreateVethAsync(new VethPairSpec(prefix + "a", prefix + "b"), ct);
        await client.SetUpAsync(prefix + "a", ct);
        await client.AddAddressAsync(prefix + "a", InterfaceAddress.Parse("10.50.0.2/24"), null, ct);

        var duplicate = await Assert.ThrowsAsync<NetlinkException>(() => client.AddAddressAsync(prefix + "a", InterfaceAddress.Parse("10.50.0.2/24"), null, ct));
        Assert.Equal("EEXIST", duplicate.ErrnoName);
        Assert.Contains($"10.50.0.2/24 dev {prefix}a", duplicate.Message, StringComparison.Ordinal);

        var address = await Assert.ThrowsAsync<NetlinkException>(() => client.DeleteAddressAsync(prefix + "a", InterfaceAddress.Parse("10.50.0.3/24"), ct));
        Assert.Equal("EADDRNOTAVAIL", address.ErrnoName);
        Assert.Contains("10.50.0.3/24", address.Message, StringComparison.Ordinal);

        var route = new RouteSpec { Destination = InterfaceAddress.Parse("10.60.0.0/16"), Gateway = IPAddress.Parse("10.50.0.1") };
        var missingRoute = await Assert.ThrowsAsync<NetlinkException>(() => client.DeleteRouteAsync(route, ct));
        Assert.Equal("ESRCH", missingRoute.ErrnoName);
        Assert.Contains("10.60.0.0/16 via 10.50.0.1", missingRoute.Message, StringComparison.Ordinal);

        await client.AddRouteAsync(route, ct);
        var duplicateRoute = await Assert.ThrowsAsync<NetlinkException>(() => client.AddRouteAsync(route, ct));
        Assert.Equal("EEXIST", duplicateRoute.ErrnoName);

        var unreachable = new RouteSpec { Destination = InterfaceAddress.Parse("10.70.0.0/16"), Gateway = IPAddress.Parse("10.200.0.1") };
        var unreachableGateway = await Assert.ThrowsAsync<NetlinkException>(() => client.AddRouteAsync(unreachable, ct));
        Assert.Equal("ENETUNREACH", unreachableGateway.ErrnoName);
    }

    [Fact]
    public void MissingNamespacePathFailsWithEnoentNamingThePath()
    {
        var path = "/var/run/netns/" + TestNames.NewPrefix() + "missing";
        var ex = Assert.Throws<NetworkNamespaceException>(() => NetworkNamespace.Open(path));
        Assert.Equal(2, ex.Errno);
        Assert.Equal(path, ex.Path);
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("ENOENT", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PathThatIsNoNamespaceFailsWhenEntered()
    {
        using var notANamespace = NetworkNamespace.Open("/proc/self/ns/uts");
        var ex = await Assert.ThrowsAsync<NetworkNamespaceException>(() => RouteNetlinkClient.OpenInAsync(notANamespace, TestDeadline.Token));
        Assert.Equal("EINVAL", ex.ErrnoName);
        Assert.Contains("/proc/self/ns/uts", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PeerNameTakenInTargetNamespaceRefusesThePair()
    {
        var ct = TestDeadline.Token;
        var prefix = TestNames.NewPrefix();
        using var netns = new TestNetns(prefix + "ns");
        using var ns = NetworkNamespace.Open(netns.Path);
        using var host = RouteNetlinkClient.Open();
        IpTool.Run("ip", "-n", netns.Name, "link", "add", prefix + "c", "type", "veth", "peer", "name", prefix + "x");

        // The peer name is taken inside the target namespace: the whole pair is refused.
        var ex = await Assert.ThrowsAsync<NetlinkException>(() =>
            host.CreateVethAsync(new VethPairSpec(prefix + "h", prefix + "c") { PeerNamespace = ns }, ct));
        Assert.Equal("EEXIST", ex.ErrnoName);
        Assert.Contains(netns.Path, ex.Message, StringComparison.Ordinal);
        Assert.Null(IpTool.Link(null, prefix + "h"));
    }
}
