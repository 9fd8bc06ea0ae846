using System.Diagnostics;
using System.Net;
using System.Net.NetworkInformation;
using VmNet.Daemon.Netlink;

namespace VmNet.Daemon.Tests.Netlink;

/// <summary>
/// The ARP gateway probe against the real kernel: a "pod" netns and a "gateway" netns joined by a veth,
/// where the gateway's kernel answers ARP for its address once that address is configured.
/// </summary>
public class ArpProbeTests
{
    private static readonly PhysicalAddress PodMac = PhysicalAddress.Parse("0a:58:0a:63:00:05");
    private static readonly IPAddress PodIp = IPAddress.Parse("10.99.0.5");
    private static readonly IPAddress GatewayIp = IPAddress.Parse("10.99.0.1");

    [Fact]
    public async Task ResolvesTheGatewaysMac()
    {
        using var pair = new PodAndGateway(gatewayHasAddress: true);
        var mac = await pair.ProbeAsync(TimeSpan.FromSeconds(20), CancellationToken.None);
        Assert.Equal(pair.GatewayMac, mac);
    }

    [Fact]
    public async Task NoAnswerReturnsNullAtTheTimeout()
    {
        using var pair = new PodAndGateway(gatewayHasAddress: false);
        var watch = Stopwatch.StartNew();
        var mac = await pair.ProbeAsync(TimeSpan.FromMilliseconds(300), CancellationToken.None);
        Assert.Null(mac);
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(290), $"gave up after {watch.Elapsed}, before its timeout");
    }

    [Fact]
    public async Task KeepsAskingUntilTheGatewayAppears()
    {
        using var pair = new PodAndGateway(gatewayHasAddress: false);
        var probe = pair.ProbeAsync(TimeSpan.FromSeconds(60), CancellationToken.None);
        await Task.Delay(TimeSpan.FromMilliseconds(300));
        Assert.False(probe.IsCompleted, "the probe ended before anyone had the address");
        var added = Stopwatch.StartNew();
        IpTool.Run("ip", "-n", pair.GatewayNetns, "addr", "add", GatewayIp + "/24", "dev", "gw0");
        Assert.Equal(pair.GatewayMac, await probe);

        // The kernel's own ARP would retry after a second; the probe asks every few milliseconds. Generous for a loaded machine.
        Assert.True(added.Elapsed < TimeSpan.FromSeconds(5), $"answered {added.Elapsed} after the address appeared");
    }

    [Fact]
    public async Task CancellationStopsTheProbe()
    {
        using var pair = new PodAndGateway(gatewayHasAddress: false);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pair.ProbeAsync(TimeSpan.FromSeconds(60), cancel.Token));
    }

    [Fact]
    public async Task InterfaceArrivingAfterTheProbeStartedIsProbedOnceItIsUp()
    {
        using var pair = new PodAndGateway(gatewayHasAddress: true);
        IpTool.Run("ip", "-n", pair.PodNetns, "link", "set", "eth0", "down");
        var probe = pair.ProbeAsync(TimeSpan.FromSeconds(60), CancellationToken.None, ifName: "late0");
        await Task.Delay(TimeSpan.FromMilliseconds(300));
        Assert.False(probe.IsCompleted, "the probe ended before its interface existed");

        // As a pre-plugged pod end: it arrives under its final name while down, then comes up.
        IpTool.Run("ip", "-n", pair.PodNetns, "link", "set", "eth0", "name", "late0");
        await Task.Delay(TimeSpan.FromMilliseconds(100));
        Assert.False(probe.IsCompleted, "the probe ended while its interface was down");
        IpTool.Run("ip", "-n", pair.PodNetns, "link", "set", "late0", "up");
        Assert.Equal(pair.GatewayMac, await probe);
    }

    [Fact]
    public async Task InterfaceThatNeverArrivesReturnsNullAtTheTimeout()
    {
        using var pair = new PodAndGateway(gatewayHasAddress: true);
        var watch = Stopwatch.StartNew();
        Assert.Null(await pair.ProbeAsync(TimeSpan.FromMilliseconds(300), CancellationToken.None, ifName: "nosuch0"));
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(290), $"gave up after {watch.Elapsed}, before its timeout");
    }

    private sealed class PodAndGateway : IDisposable
    {
        private readonly TestNetns pod;
        private readonly TestNetns gateway;

        public PodAndGateway(bool gatewayHasAddress)
        {
            var prefix = TestNames.NewPrefix();
            pod = new TestNetns(prefix + "p");
            gateway = new TestNetns(prefix + "g");
            IpTool.Run("ip", "-n", pod.Name, "link", "add", "eth0", "address", "0a:58:0a:63:00:05", "type", "veth", "peer", "name", "gw0", "netns", gateway.Name);
            IpTool.Run("ip", "-n", pod.Name, "addr", "add", PodIp + "/24", "dev", "eth0");
            IpTool.Run("ip", "-n", pod.Name, "link", "set", "eth0", "up");
            IpTool.Run("ip", "-n", gateway.Name, "link", "set", "gw0", "up");
            if (gatewayHasAddress)
            {
                IpTool.Run("ip", "-n", gateway.Name, "addr", "add", GatewayIp + "/24", "dev", "gw0");
            }

            GatewayMac = PhysicalAddress.Parse(IpTool.Link(gateway.Name, "gw0")!.Value.GetProperty("address").GetString()!.Replace(':', '-').ToUpperInvariant());
        }

        public PhysicalAddress GatewayMac { get; }

        public string GatewayNetns => gateway.Name;

        public string PodNetns => pod.Name;

        public async Task<PhysicalAddress?> ProbeAsync(TimeSpan timeout, CancellationToken cancellationToken, string ifName = "eth0")
        {
            using var ns = NetworkNamespace.Open(pod.Path);
            return await ns.RunAsync(
                () => ArpProbe.Resolve(ifName, PodMac, PodIp, GatewayIp, timeout, TimeSpan.FromMilliseconds(5), cancellationToken),
                CancellationToken.None);
        }

        public void Dispose()
        {
            pod.Dispose();
            gateway.Dispose();
        }
    }
}
