using System.Text;
using VmNet.Sandbox.Qemu;

namespace VmNet.E2E.Migration;

/// <summary>The harness's pure parts: command lines, parsers and the initramfs writer (no rig, no QEMU).</summary>
public sealed class QemuHarnessTests
{
    private static readonly GuestImage Guest = new("/cache/vmlinuz", "/cache/initrd.gz", "k");

    private static QemuVmOptions Options => new() { Guest = Guest, Mac = "0a:00:00:10:00:15", IpCidr = "10.16.0.21/16", Gateway = "10.16.0.1" };

    [Fact]
    public void SourceAndTargetCommandLinesDifferOnlyInTheirOwnFilesAndIncoming()
    {
        var source = QemuCommandLine.Build(Options, "tap0", string.Empty, "/r/vm-0.serial", "/r/vm-0.qmp", "/r/vm-0.pid", null);
        var target = QemuCommandLine.Build(Options, "tap0", string.Empty, "/r/vm-1.serial", "/r/vm-1.qmp", "/r/vm-1.pid", "unix:/r/vm-1.migration.sock");
        var machine = QemuCommandLine.Machine(Options, "tap0", string.Empty);
        Assert.Equal(machine, source.Take(machine.Count));
        Assert.Equal(machine, target.Take(machine.Count));
        Assert.Equal(["-incoming", "unix:/r/vm-1.migration.sock"], target.TakeLast(2));
        Assert.DoesNotContain("-incoming", source);
        Assert.Contains("virtio-net-pci,netdev=net0,mac=0a:00:00:10:00:15,host_mtu=1400,romfile=", machine);
        Assert.Contains(machine, a => a.Contains("vmip=10.16.0.21/16 ", StringComparison.Ordinal) && a.Contains("vmgw=10.16.0.1", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("0a:00:00:10:00", "10.16.0.21/16")]
    [InlineData("0a:00:00:10:00:15", "10.16.0.21")]
    [InlineData("0a:00:00:10:00:15", "10.16.0.300/16")]
    public void InvalidVmOptionsNameTheField(string mac, string ip)
    {
        var ex = Assert.Throws<ArgumentException>(() => QemuCommandLine.Machine(Options with { Mac = mac, IpCidr = ip }, "tap0", string.Empty));
        Assert.Contains(ex.ParamName == "Mac" ? mac : ip, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PingOutputGivesRepliesGapAndLosses()
    {
        var result = PingProbe.Parse("""
            PING 10.16.0.21 (10.16.0.21) 56(84) bytes of data.
            [1700000000.000000] 64 bytes from 10.16.0.21: icmp_seq=1 ttl=64 time=1.0 ms
            [1700000000.020000] 64 bytes from 10.16.0.21: icmp_seq=2 ttl=64 time=1.0 ms
            [1700000000.020500] 64 bytes from 10.16.0.21: icmp_seq=2 ttl=64 time=1.5 ms (DUP!)
            [1700000000.180000] 64 bytes from 10.16.0.21: icmp_seq=10 ttl=64 time=1.0 ms

            --- 10.16.0.21 ping statistics ---
            12 packets transmitted, 3 received, +1 duplicates, 75% packet loss, time 230ms
            """);
        Assert.Equal(3, result.Replies.Count);
        Assert.Equal(9, result.Lost);
        Assert.Equal(160, result.MaxGap.TotalMilliseconds, 3);
    }

    [Fact]
    public void GuestNetInfoParsesTheSerialReadyLine()
    {
        var info = GuestNetInfo.Parse("GUEST-READY mac=0a:00:00:10:00:15 ip=10.16.0.21/16 boot=6f1c-aa uptime=3.52");
        Assert.Equal(new GuestNetInfo("0a:00:00:10:00:15", "10.16.0.21/16", "6f1c-aa", 3.52), info);
        Assert.Throws<FormatException>(() => GuestNetInfo.Parse("mac=0a:00:00:10:00:15 uptime=1"));
    }

    [Fact]
    public void SerialMarkerCountsOnlyOnceItsLineIsTerminated()
    {
        const string boot = "[    1.2] virtio_net ok\r\nGUEST-READY mac=0a:00:00:10:00:15 ip=10.16.0.21/16 bo";
        Assert.Null(QemuVm.CompleteLineContaining(boot, GuestImage.ReadyMarker));
        Assert.Null(QemuVm.CompleteLineContaining(string.Empty, GuestImage.ReadyMarker));
        var complete = boot + "ot=6f1c-aa uptime=3.52\r\nlater\n";
        Assert.Equal("GUEST-READY mac=0a:00:00:10:00:15 ip=10.16.0.21/16 boot=6f1c-aa uptime=3.52", QemuVm.CompleteLineContaining(complete, GuestImage.ReadyMarker));
        Assert.Equal("later", QemuVm.CompleteLineContaining(complete, "later"));
    }

    [Fact]
    public void CpioWriterProducesNewcEntriesTheKernelCanUnpack()
    {
        using var buffer = new MemoryStream();
        var cpio = new NewcCpioWriter(buffer);
        cpio.AddDirectory("bin");
        cpio.AddFile("init", Encoding.ASCII.GetBytes("#!/bin/sh\n"), 0x1ED);
        cpio.AddCharDevice("dev/console", 5, 1, 0x180);
        cpio.Finish();
        var bytes = buffer.ToArray();
        Assert.Equal(0, bytes.Length % 4);
        var text = Encoding.ASCII.GetString(bytes);
        Assert.StartsWith("070701", text, StringComparison.Ordinal);
        // init: regular file 0755 (0x81ED), 10 bytes, name "init\0" (5): fields 2, 7 and 12 of the header.
        var init = text.IndexOf("init\0", StringComparison.Ordinal) - 110;
        Assert.Equal("000081ED", text.Substring(init + 14, 8));
        Assert.Equal("0000000A", text.Substring(init + 54, 8));
        Assert.Equal("00000005", text.Substring(init + 94, 8));
        var console = text.IndexOf("dev/console\0", StringComparison.Ordinal) - 110;
        Assert.Equal("00002180", text.Substring(console + 14, 8));
        Assert.Equal("00000005", text.Substring(console + 78, 8));
        // Trailer: 110-byte header + "TRAILER!!!\0" (11) = 121, padded with 3 zeros to 124.
        Assert.EndsWith("TRAILER!!!\0\0\0\0", text, StringComparison.Ordinal);
    }
}
