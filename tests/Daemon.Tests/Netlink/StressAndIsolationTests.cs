using System.Globalization;
using System.Net;
using System.Net.Sockets;
using VmNet.Daemon.Netlink;

namespace VmNet.Daemon.Tests.Netlink;

/// <summary>Many pairs leave nothing behind; work in several namespaces at once stays in its own namespace.</summary>
public class StressAndIsolationTests
{
    private const string ThreadNamespaceLink = "/proc/thread-self/ns/net";

    [Fact]
    public async Task HundredVethPairsCreatedAndDeletedLeaveNothingBehind()
    {
        var ct = TestDeadline.Token;
        var prefix = TestNames.NewPrefix();
        using var netns = new TestNetns(prefix + "ns");
        using var ns = NetworkNamespace.Open(netns.Path);
        using var host = RouteNetlinkClient.Open();
        var names = Enumerable.Range(0, 100).Select(i => prefix + i.ToString("x2", CultureInfo.InvariantCulture)).ToList();
        try
        {
            foreach (var name in names)
            {
                await host.CreateVethAsync(new VethPairSpec(name + "h", name + "c") { PeerNamespace = ns, Mtu = 1400 }, ct);
            }

            Assert.Equal(100, IpTool.LinkNames(null).Count(n => n.StartsWith(prefix, StringComparison.Ordinal)));
            Assert.Equal(100, IpTool.LinkNames(netns.Name).Count(n => n.StartsWith(prefix, StringComparison.Ordinal)));
            Assert.Equal(100, (await host.ListLinksAsync(ct)).Count(l => l.Name.StartsWith(prefix, StringComparison.Ordinal)));

            foreach (var name in names)
            {
                await host.DeleteLinkAsync(name + "h", ct);
            }

            Assert.DoesNotContain(IpTool.LinkNames(null), n => n.StartsWith(prefix, StringComparison.Ordinal));
            Assert.Equal(["lo"], IpTool.LinkNames(netns.Name));
        }
        finally
        {
            foreach (var name in names)
            {
                await host.DeleteLinkIfExistsAsync(name + "h", CancellationToken.None);
            }
        }
    }

    [Fact]
    public async Task ConcurrentWorkInDifferentNamespacesDoesNotInterfere()
    {
        var ct = TestDeadline.Token;
        var hostNamespace = NamespaceOf("/proc/self/ns/net");
        var prefix = TestNames.NewPrefix();
        var namespaces = Enumerable.Range(0, 4).Select(i => new TestNetns(prefix + "n" + i.ToString(CultureInfo.InvariantCulture))).ToList();
        using var host = RouteNetlinkClient.Open();
        try
        {
            var workers = namespaces.Select((netns, i) => Task.Run(() => ConfigurePodAsync(host, netns, prefix + "h" + i.ToString(CultureInfo.InvariantCulture), i, hostNamespace, ct), ct));
            await Task.WhenAll(workers);

            for (var i = 0; i < namespaces.Count; i++)
            {
                var name = namespaces[i].Name;
                Assert.Equal(["eth0", "lo"], IpTool.LinkNames(name).Order(StringComparer.Ordinal));
                var addresses = IpTool.Json(name, "-4", "addr", "show", "dev", "eth0")[0].GetProperty("addr_info").EnumerateArray()
                    .Select(a => a.GetProperty("local").GetString()).ToList();
                Assert.Equal([$"10.80.{i}.2"], addresses);
                Assert.Equal(1400 + i, IpTool.Link(name, "eth0")!.Value.GetProperty("mtu").GetInt32());
                Assert.Equal(i % 2 == 0 ? "1" : "0", IpTool.Run("ip", "netns", "exec", name, "sysctl", "-n", "net.ipv4.ip_forward").Trim());
            }

            Assert.DoesNotContain("eth0", IpTool.LinkNames(null).Where(n => n.StartsWith(prefix, StringComparison.Ordinal)));

            // No thread-pool thread was left in a pod namespace.
            var seen = await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => Task.Run(() => NamespaceOf(ThreadNamespaceLink), ct)));
            Assert.All(seen, target => Assert.Equal(hostNamespace, target));
        }
        finally
        {
            for (var i = 0; i < namespaces.Count; i++)
            {
                await host.DeleteLinkIfExistsAsync(prefix + "h" + i.ToString(CultureInfo.InvariantCulture), CancellationToken.None);
                namespaces[i].Dispose();
            }
        }
    }

    [Fact]
    public async Task SysctlWritesLandInTheNamespaceOnly()
    {
        var ct = TestDeadline.Token;
        var prefix = TestNames.NewPrefix();
        using var netns = new TestNetns(prefix + "ns");
        using var ns = NetworkNamespace.Open(netns.Path);
        using var pod = await RouteNetlinkClient.OpenInAsync(ns, ct);
        await pod.CreateVethAsync(new VethPairSpec(prefix + "a", prefix + "b"), ct);
        var hostForwarding = File.ReadAllText("/proc/sys/net/ipv4/ip_forward").Trim();
        var wanted = hostForwarding == "1" ? "0" : "1";

        await NamespaceSysctl.WriteAsync(ns, "net.ipv4.ip_forward", wanted, ct);
        await NamespaceSysctl.WriteAsync(ns, NamespaceSysctl.Ipv6InterfaceKey(prefix + "a", "accept_dad"), "0", ct);
        await NamespaceSysctl.WriteAsync(ns, NamespaceSysctl.Ipv6InterfaceKey(prefix + "a", "disable_ipv6"), "0", ct);

        Assert.Equal(wanted, IpTool.Run("ip", "netns", "exec", netns.Name, "sysctl", "-n", "net.ipv4.ip_forward").Trim());
        Assert.Equal("0", IpTool.Run("ip", "netns", "exec", netns.Name, "sysctl", "-n", $"net.ipv6.conf.{prefix}a.accept_dad").Trim());
        Assert.Equal(wanted, await NamespaceSysctl.ReadAsync(ns, "net.ipv4.ip_forward", ct));
        Assert.Equal(hostForwarding, File.ReadAllText("/proc/sys/net/ipv4/ip_forward").Trim());
        Assert.False(File.Exists($"/proc/sys/net/ipv6/conf/{prefix}a/accept_dad"));

        var missing = await Assert.ThrowsAsync<SysctlException>(() => NamespaceSysctl.WriteAsync(ns, NamespaceSysctl.Ipv6InterfaceKey(prefix + "zz", "accept_dad"), "0", ct));
        Assert.Contains(prefix + "zz", missing.Message, StringComparison.Ordinal);
        Assert.Contains(netns.Path, missing.Message, StringComparison.Ordinal);
    }

    /// <summary>The "net:[inode]" a namespace link points at: equal strings mean the same namespace.</summary>
    private static string NamespaceOf(string link) => new FileInfo(link).LinkTarget!;

    private static async Task ConfigurePodAsync(RouteNetlinkClient host, TestNetns netns, string hostName, int i, string hostNamespace, CancellationToken ct)
    {
        using var ns = NetworkNamespace.Open(netns.Path);
        using var pod = await RouteNetlinkClient.OpenInAsync(ns, ct);
        await host.CreateVethAsync(new VethPairSpec(hostName, "tmp" + i.ToString(CultureInfo.InvariantCulture)) { PeerNamespace = ns }, ct);
        await pod.SetLinkAsync("tmp" + i.ToString(CultureInfo.InvariantCulture), new LinkChanges { NewName = "eth0", Up = true }, ct);
        await pod.AddAddressAsync("eth0", InterfaceAddress.Parse($"10.80.{i}.2/24"), null, ct);
        await pod.AddRouteAsync(RouteSpec.DefaultVia(IPAddress.Parse($"10.80.{i}.1"), "eth0"), ct);
        await NamespaceSysctl.WriteAsync(ns, "net.ipv4.ip_forward", i % 2 == 0 ? "1" : "0", ct);
        for (var round = 0; round < 20; round++)
        {
            var mtu = 1300 + round;
            await pod.SetMtuAsync("eth0", mtu, ct);
            Assert.Equal(mtu, (await pod.GetLinkAsync("eth0", ct)).Mtu);
            Assert.Equal(hostNamespace, NamespaceOf(ThreadNamespaceLink));
        }

        await pod.SetMtuAsync("eth0", 1400 + i, ct);
        var routes = await pod.ListRoutesAsync(AddressFamily.InterNetwork, RouteSpec.MainTable, ct);
        Assert.Equal(IPAddress.Parse($"10.80.{i}.1"), Assert.Single(routes, r => r.IsDefault).Gateway);
    }
}
