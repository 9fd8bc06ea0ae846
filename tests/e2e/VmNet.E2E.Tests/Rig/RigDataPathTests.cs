using System.Globalization;
using System.Text.Json;
using VmNet.Sandbox.Rig;
using Xunit.Abstractions;

namespace VmNet.E2E.Rig;

/// <summary>
/// The checks of the reference rig's test-all.sh on a two-node Kube-OVN-like rig: underlay, pod to
/// gateway and across nodes both ways, full-MTU DF ping, tunnel port type, TCP throughput, ovn-trace.
/// </summary>
public abstract class RigDataPathTests<TFixture>
    where TFixture : KubeOvnRigFixture
{
    private readonly TFixture fixture;
    private readonly ITestOutputHelper output;

    protected RigDataPathTests(TFixture fixture, ITestOutputHelper output)
    {
        this.fixture = fixture;
        this.output = output;
    }

    protected abstract EncapType Encap { get; }

    private Sandbox.Rig.Rig Rig => fixture.Rig;

    [Fact]
    public async Task UnderlayPingNode1ToNode2()
    {
        var result = await fixture.Node1.ExecAsync("ping", ["-c", "2", "-i", "0.2", "-W", "1", Rig.Options.NodeUnderlayIp(2)], TimeSpan.FromSeconds(10));
        AssertPingOk(result);
    }

    [Fact]
    public async Task PodOnNode1PingsGateway() =>
        AssertPingOk(await fixture.Pod1.PingAsync(KubeOvnTopology.Gateway));

    [Fact]
    public async Task PodOnNode1PingsPodOnNode2AndBack()
    {
        AssertPingOk(await fixture.Pod1.PingAsync(KubeOvnRigFixture.Pod2Ip));
        AssertPingOk(await fixture.Pod2.PingAsync(KubeOvnRigFixture.Pod1Ip));
    }

    [Fact]
    public async Task FullMtuPingWithDontFragmentCrossesTheTunnel()
    {
        // ICMP payload = MTU - 20 (IP) - 8 (ICMP): the largest packet eth0 can send unfragmented.
        var payload = (fixture.Pod1.Options.Mtu - 28).ToString(CultureInfo.InvariantCulture);
        AssertPingOk(await fixture.Pod1.PingAsync(KubeOvnRigFixture.Pod2Ip, 2, ["-M", "do", "-s", payload]));
    }

    [Fact]
    public async Task TunnelPortHasTheConfiguredTypeAndPointsAtTheOtherNode()
    {
        var result = await fixture.Node1.VsctlAsync(["--bare", "--columns=options", "find", "Interface", "type=" + Encap.OvsName()]);
        Assert.Contains("remote_ip=" + Rig.Options.NodeUnderlayIp(2), result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Iperf3TcpRunsForThreeSeconds()
    {
        // The server runs until the client is done and is then killed: with "-s -1" a client attempt that
        // fails half-way under load can leave the server waiting for ever.
        using var serverStop = new CancellationTokenSource();
        var server = fixture.Pod2.ExecAsync("iperf3", ["-s", "-B", KubeOvnRigFixture.Pod2Ip], TimeSpan.FromSeconds(60), serverStop.Token);
        CommandResult client;
        try
        {
            client = await RunIperfClientAsync(CancellationToken.None);
        }
        finally
        {
            await serverStop.CancelAsync();
            await StoppedAsync(server);
        }

        using var json = JsonDocument.Parse(client.Stdout);
        var bitsPerSecond = json.RootElement.GetProperty("end").GetProperty("sum_received").GetProperty("bits_per_second").GetDouble();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"BENCH rig_iperf3_tcp_{Encap.OvsName()} {bitsPerSecond / 1e6:0} Mbit/s"));
        Assert.True(bitsPerSecond > 1e6, $"TCP throughput {bitsPerSecond} bit/s: the checksum offload fix (ethtool tx off) or MTU is wrong");
    }

    [Fact]
    public async Task OvnTraceDeliversPod1ToPod2()
    {
        var trace = await Rig.Central.TraceAsync(
        [
            "--minimal", KubeOvnTopology.Switch,
            $"inport==\"pod1\" && eth.src=={KubeOvnRigFixture.Pod1Mac} && eth.dst=={KubeOvnRigFixture.Pod2Mac} && " +
            $"ip4.src=={KubeOvnRigFixture.Pod1Ip} && ip4.dst=={KubeOvnRigFixture.Pod2Ip} && ip.ttl==64",
        ]);
        Assert.Contains("output(\"pod2\")", trace.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OvnTraceShowsRouterAnsweringEcho()
    {
        var trace = await Rig.Central.TraceAsync(
        [
            "--minimal", KubeOvnTopology.Switch,
            $"inport==\"pod1\" && eth.src=={KubeOvnRigFixture.Pod1Mac} && eth.dst=={KubeOvnTopology.GatewayMac} && " +
            $"ip4.src=={KubeOvnRigFixture.Pod1Ip} && ip4.dst=={KubeOvnTopology.Gateway} && ip.ttl==64 && icmp4.type==8",
        ]);
        Assert.Contains("icmp4.type = 0", trace.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BothChassisRegisteredWithTheirEncap()
    {
        var encaps = await Rig.Central.SbctlAsync(["--bare", "--columns=type,ip", "list", "Encap"]);
        Assert.Contains(Rig.Options.NodeUnderlayIp(1), encaps.Stdout, StringComparison.Ordinal);
        Assert.Contains(Rig.Options.NodeUnderlayIp(2), encaps.Stdout, StringComparison.Ordinal);
        Assert.Contains(Encap.OvsName(), encaps.Stdout, StringComparison.Ordinal);
        Assert.Equal(["node1", "node2"], (await Rig.Central.ChassisNamesAsync()).Order());
    }

    [Fact]
    public void ReportsUpTimeAndDaemonMemory()
    {
        var perDaemon = Rig.DaemonPids.Select(DaemonMemory.RssBytes).ToList();
        Assert.All(perDaemon, rss => Assert.True(rss > 0, "a daemon of the rig is not running"));
        Assert.Equal(9, perDaemon.Count);
        var e = Encap.OvsName();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"BENCH rig_up_{e} {Rig.StartupTime.TotalSeconds:0.000} s"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"BENCH rig_ready_with_pods_{e} {fixture.ReadyTime.TotalSeconds:0.000} s"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"BENCH rig_daemons_rss_{e} {perDaemon.Sum() / 1048576.0:0.0} MiB"));
    }

    private static async Task StoppedAsync(Task<CommandResult> server)
    {
        try
        {
            await server;
        }
        catch (OperationCanceledException)
        {
            // killed on purpose once the client was done
        }
    }

    private async Task<CommandResult> RunIperfClientAsync(CancellationToken cancellationToken)
    {
        // The server needs a moment to bind (longer on a loaded machine): retry until a deadline
        // instead of sleeping a fixed time.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        var attempts = new List<string>();
        while (true)
        {
            var result = await fixture.Pod1.ExecAsync(
                "iperf3", ["-c", KubeOvnRigFixture.Pod2Ip, "-t", "3", "-J", "--connect-timeout", "2000"], TimeSpan.FromSeconds(12), cancellationToken);
            // Exit 0 without the totals happens too (a client that raced the server's start under load): retry it.
            if (result.Succeeded && HasReceivedTotals(result.Stdout))
            {
                return result;
            }

            attempts.Add($"exit {result.ExitCode}: {CommandRunnerTail(result.Stdout + result.Stderr)}");
            if (DateTime.UtcNow >= deadline)
            {
                throw new Xunit.Sdk.XunitException($"iperf3 client failed {attempts.Count} times:\n{string.Join("\n", attempts.TakeLast(3))}\n{Rig.Diagnostics()}");
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    private static bool HasReceivedTotals(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.TryGetProperty("end", out var end) && end.TryGetProperty("sum_received", out var sum) && sum.TryGetProperty("bits_per_second", out _);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string CommandRunnerTail(string text) => text.Length <= 400 ? text.Trim() : "..." + text[^400..].Trim();

    private void AssertPingOk(CommandResult result)
    {
        output.WriteLine(result.Stdout);
        // Like test-all.sh: ping exits 0 once any reply came back; a reply lost to a loaded 2-core machine is not a failure.
        Assert.True(result.Succeeded, $"{result.CommandLine} failed (exit {result.ExitCode}):\n{result.Stdout}{result.Stderr}\n{Rig.Diagnostics()}");
    }
}

[Collection(RigCollection.Name)]
public sealed class GeneveRigTests(GeneveKubeOvnRigFixture fixture, ITestOutputHelper output)
    : RigDataPathTests<GeneveKubeOvnRigFixture>(fixture, output), IClassFixture<GeneveKubeOvnRigFixture>
{
    protected override EncapType Encap => EncapType.Geneve;
}

[Collection(RigCollection.Name)]
public sealed class VxlanRigTests(VxlanKubeOvnRigFixture fixture, ITestOutputHelper output)
    : RigDataPathTests<VxlanKubeOvnRigFixture>(fixture, output), IClassFixture<VxlanKubeOvnRigFixture>
{
    protected override EncapType Encap => EncapType.Vxlan;
}
