using VmNet.Dpdk;

namespace VmNet.Daemon.Tests.Dpdk;

public sealed class DpdkSettingsTests
{
    [Fact]
    public void DefaultsSleepThePmdAndNeedNoHugepages()
    {
        var config = new DpdkSettings { FilePrefix = "run1-node1" }.ToOtherConfig();
        Assert.Equal("true", config["dpdk-init"]);
        Assert.Equal("true", config["per-port-memory"]);
        Assert.True(int.Parse(config["pmd-maxsleep"], System.Globalization.CultureInfo.InvariantCulture) >= 1000);
        Assert.Equal("--no-pci --no-huge -m 512 --legacy-mem --file-prefix=run1-node1", config["dpdk-extra"]);
        Assert.False(config.ContainsKey("dpdk-socket-mem"));
    }

    [Fact]
    public void HugepageNodesGetSocketMemoryAndDirectory()
    {
        var config = new DpdkSettings { EalExtra = "--no-pci", HugepageDirectory = "/dev/hugepages", SocketMemoryMb = 1024, PmdCpuMask = "0x2" }.ToOtherConfig();
        Assert.Equal("/dev/hugepages", config["dpdk-hugepage-dir"]);
        Assert.Equal("1024", config["dpdk-socket-mem"]);
        Assert.Equal("1024", config["dpdk-socket-limit"]);
        Assert.Equal("0x2", config["pmd-cpu-mask"]);
        Assert.Equal("--no-pci", config["dpdk-extra"]);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(10001)]
    public void PmdSleepOutsideOvsRangeIsRejected(int micros)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new DpdkSettings { PmdMaxSleepMicros = micros }.ToOtherConfig());
        Assert.Equal("PmdMaxSleepMicros", e.ParamName);
    }

    [Fact]
    public void NoHugeWithoutLegacyMemIsRejectedBeforeOvsAborts()
    {
        var e = Assert.Throws<ArgumentException>(() => new DpdkSettings { EalExtra = "--no-huge -m 512" }.Validate());
        Assert.Contains("--legacy-mem", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a b")]
    [InlineData("x/y")]
    public void BadFilePrefixIsRejected(string prefix) =>
        Assert.Throws<ArgumentException>(() => new DpdkSettings { FilePrefix = prefix }.Validate());
}

public sealed class DaemonDpdkOptionsTests
{
    [Fact]
    public void PmdMaxSleepDefaultsToSleepingAndIsParsed()
    {
        Assert.Equal(1000, DaemonOptionsParser.Parse(["--node-name", "n1"]).PmdMaxSleepMicros);
        var options = DaemonOptionsParser.Parse(["--node-name", "n1", "--pmd-maxsleep", "250", "--kubelet-pods", "/k/pods", "--vhost-user-share", "/run/x"]);
        Assert.Equal(250, options.PmdMaxSleepMicros);
        Assert.Equal("/k/pods", options.KubeletPodsDirectory);
        Assert.Equal("/run/x", options.VhostUserShareRoot);
    }

    [Fact]
    public void PmdMaxSleepOutOfRangeIsRejected()
    {
        var e = Assert.Throws<DaemonOptionsException>(() => DaemonOptionsParser.Parse(["--node-name", "n1", "--pmd-maxsleep", "20000"]));
        Assert.Contains("--pmd-maxsleep 20000", e.Message, StringComparison.Ordinal);
    }
}
