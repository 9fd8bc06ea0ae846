using System.Diagnostics;
using VmNet.Sandbox.Guest;
using VmNet.Sandbox.Qemu;

namespace VmNet.E2E.Demo;

/// <summary>
/// The test guest's multi-NIC command line and its control port (no QEMU): QemuCommandLine with extra NICs,
/// the netinfo/guestctl parsers, and guestctl.sh itself run by the host's busybox.
/// </summary>
public sealed class GuestPartsTests
{
    private static readonly GuestImage Guest = new("/cache/vmlinuz", "/cache/initrd.gz", "k");

    private static QemuVmOptions TwoNics => new()
    {
        Guest = Guest,
        Mac = "0a:00:00:10:00:15",
        IpCidr = "10.100.0.21/24",
        Gateway = "10.100.0.1",
        ExtraNics = [new QemuNic("0a:00:00:10:00:16", "10.101.0.20/24", "tap1") { Gateway = "10.101.0.1" }],
    };

    [Fact]
    public void ExtraNicGetsItsOwnTapDeviceAndKernelArgument()
    {
        var args = QemuCommandLine.Machine(TwoNics, "tap0", string.Empty);
        var append = args[args.ToList().IndexOf("-append") + 1];
        Assert.Contains("vmip=10.100.0.21/24 vmgw=10.100.0.1 ", append, StringComparison.Ordinal);
        Assert.EndsWith(" vmnic1=0a:00:00:10:00:16,10.101.0.20/24,10.101.0.1", append, StringComparison.Ordinal);
        Assert.Contains("tap,id=net1,ifname=tap1,script=no,downscript=no,vhost=off", args);
        Assert.Contains("virtio-net-pci,netdev=net1,mac=0a:00:00:10:00:16,host_mtu=1400,romfile=", args);
        // The first NIC stays first (PCI order) so a migration target built from the same options matches.
        Assert.True(args.ToList().IndexOf("tap,id=net0,ifname=tap0,script=no,downscript=no,vhost=off") < args.ToList().IndexOf("tap,id=net1,ifname=tap1,script=no,downscript=no,vhost=off"));
    }

    [Fact]
    public void WithoutExtraNicsTheCommandLineIsUnchanged()
    {
        var args = QemuCommandLine.Machine(TwoNics with { ExtraNics = [] }, "tap0", string.Empty);
        Assert.DoesNotContain(args, a => a.Contains("vmnic", StringComparison.Ordinal) || a.Contains("net1", StringComparison.Ordinal));
    }

    [Fact]
    public void DefaultRouteGoesViaOneNicOnly()
    {
        var moved = TwoNics with { Gateway = null, ExtraNics = [TwoNics.ExtraNics[0] with { DefaultRoute = true }] };
        Assert.EndsWith(",10.101.0.1,default", QemuCommandLine.Machine(moved, "tap0", string.Empty).Single(a => a.Contains("vmnic1=", StringComparison.Ordinal)), StringComparison.Ordinal);
        var both = moved with { Gateway = "10.100.0.1" };
        var ex = Assert.Throws<ArgumentException>(() => QemuCommandLine.Machine(both, "tap0", string.Empty));
        Assert.Contains("default route", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => QemuCommandLine.Machine(TwoNics with { ExtraNics = [new QemuNic("0a:00:00:10:00:16", "10.101.0.20/24", "tap1") { DefaultRoute = true }] }, "tap0", string.Empty));
    }

    [Theory]
    [InlineData("0a:00:00:10:00", "10.101.0.20/24", "tap1", "Mac")]
    [InlineData("0a:00:00:10:00:16", "10.101.0.20", "tap1", "IpCidr")]
    [InlineData("0a:00:00:10:00:16", "fd00::1/64", "tap1", "IpCidr")]
    [InlineData("0a:00:00:10:00:16", "10.101.0.20/24", "tap1,x", "Tap")]
    [InlineData("0a:00:00:10:00:16", "10.101.0.20/24", "a-very-long-tap-name", "Tap")]
    public void InvalidExtraNicNamesItsField(string mac, string ip, string tap, string field)
    {
        var ex = Assert.Throws<ArgumentException>(() => QemuCommandLine.Machine(TwoNics with { ExtraNics = [new QemuNic(mac, ip, tap)] }, "tap0", string.Empty));
        Assert.Contains("ExtraNics[0]." + field, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NetInfoListsEveryNicWithAnAddress()
    {
        var nics = GuestControl.NicsOf("mac=0a:00:00:10:00:15 ip=10.100.0.21/24 boot=b uptime=1.0 nic.eth0=0a:00:00:10:00:15,10.100.0.21/24 nic.eth1=0a:00:00:10:00:16,10.101.0.20/24 nic.eth2=0a:00:00:10:00:17,none");
        Assert.Equal(["eth0", "eth1"], nics.Keys.Order());
        Assert.Equal(new GuestNic("eth1", "0a:00:00:10:00:16", "10.101.0.20/24"), nics["eth1"]);
        Assert.Throws<FormatException>(() => GuestControl.NicsOf("mac=x nic.eth1=0a:00:00:10:00:16"));
    }

    [Fact]
    public void GuestPingOutputGivesCountsAndExit()
    {
        var ping = GuestControl.ParsePing("10.100.0.30", """
            PING 10.100.0.30 (10.100.0.30): 56 data bytes
            64 bytes from 10.100.0.30: seq=0 ttl=64 time=3.1 ms

            --- 10.100.0.30 ping statistics ---
            3 packets transmitted, 2 packets received, 33% packet loss
            round-trip min/avg/max = 1.0/2.0/3.1 ms
            guestctl-exit=0
            """);
        Assert.Equal((3, 2, 0), (ping.Transmitted, ping.Received, ping.ExitCode));
        Assert.False(ping.AllAnswered);
        Assert.Throws<FormatException>(() => GuestControl.ParsePing("10.100.0.30", "guestctl: '10.100.0.30;id' is not an IPv4 address"));
    }

    [Theory]
    [InlineData("10.0.0.1;reboot")]
    [InlineData("1.2.3")]
    [InlineData("fd00::1")]
    [InlineData("$(id)")]
    public async Task PingTargetMustBeADottedIpv4Address(string target)
    {
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => GuestControl.PingAsync("no-such-netns", "10.100.0.21", target, 3, CancellationToken.None));
        Assert.Contains(target, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ping 127.0.0.1;id", "is not an IPv4 address")]
    [InlineData("ping $(id) 1", "is not an IPv4 address")]
    [InlineData("ping 1.2.3.256", "is not an IPv4 address")]
    [InlineData("ping 1.2.3", "is not an IPv4 address")]
    [InlineData("ping * 1", "is not an IPv4 address")]
    [InlineData("ping 127.0.0.1 0", "outside 1..20")]
    [InlineData("ping 127.0.0.1 99", "outside 1..20")]
    [InlineData("ping 127.0.0.1 -f", "is not a number")]
    [InlineData("reboot", "usage")]
    [InlineData("ping 127.0.0.1 1 extra", "usage")]
    public async Task GuestctlRefusesAnythingButAValidatedPing(string line, string refusal)
    {
        var output = await RunGuestctlAsync(line);
        Assert.Contains(refusal, output, StringComparison.Ordinal);
        Assert.DoesNotContain("guestctl-exit=", output, StringComparison.Ordinal);
        Assert.DoesNotContain("uid=", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GuestctlRunsPingAndReportsItsExit()
    {
        var ping = GuestControl.ParsePing("127.0.0.1", await RunGuestctlAsync("ping 127.0.0.1 2\r"));
        Assert.True(ping.AllAnswered, ping.Output);
        Assert.Equal(2, ping.Transmitted);
    }

    /// <summary>guestctl.sh as packed into the guest, run by the host's busybox with one request line on stdin.</summary>
    private static async Task<string> RunGuestctlAsync(string line)
    {
        using var stream = typeof(GuestImage).Assembly.GetManifestResourceStream("VmNet.Sandbox.Guest.guestctl.sh");
        Assert.NotNull(stream);
        var script = Path.Combine(Path.GetTempPath(), $"guestctl-{Guid.NewGuid():N}.sh");
        await using (var file = File.Create(script))
        {
            await stream.CopyToAsync(file);
        }

        try
        {
            var start = new ProcessStartInfo("/bin/busybox") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            start.ArgumentList.Add("sh");
            start.ArgumentList.Add(script);
            using var process = Process.Start(start) ?? throw new InvalidOperationException("busybox did not start");
            await process.StandardInput.WriteAsync(line + "\n");
            process.StandardInput.Close();
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await process.WaitForExitAsync(timeout.Token);
            return await stdout + await stderr;
        }
        finally
        {
            File.Delete(script);
        }
    }
}
