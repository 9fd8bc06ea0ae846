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
    public async Task MissingInterfaceIsNamedInTheError()
    {
        using var pair = new PodAndGateway(gatewayHasAddress: true);
        using var ns = NetworkNamespace.Open(pair.PodNetnsPath);
        var error = await Assert.ThrowsAsync<PacketSocketException>(() => ns.RunAsync(
            () => ArpProbe.Resolve("nosuch0", PodMac, PodIp, GatewayIp, TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(5), CancellationToken.None),
            CancellationToken.None));
        Assert.Contains("nosuch0", error.Message, StringComparison.Ordinal);
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

        public string PodNetnsPath => pod.Path;

        public async Task<PhysicalAddress?> ProbeAsync(TimeSpan timeout, CancellationToken cancellationToken)
        {
            using var ns = NetworkNamespace.Open(pod.Path);
            return await ns.RunAsync(
                () => ArpProbe.Resolve("eth0", PodMac, PodIp, GatewayIp, timeout, TimeSpan.FromMilliseconds(5), cancellationToken),
                CancellationToken.None);
        }

        public void Dispose()
        {
            pod.Dispose();
            gateway.Dispose();
        }
    }
}
