namespace VmNet.Daemon.Tests;

public class DaemonOptionsParserTests
{
    [Fact]
    public void OptionsAreReadWithDefaults()
    {
        var options = DaemonOptionsParser.Parse(["--node-name", "n1", "--encap-type", "vxlan", "--encap-ip", "198.18.0.1", "--host-netns", "vn1n1", "--datapath-type", "netdev", "--socket", "/tmp/x.sock"]);
        Assert.Equal("n1", options.NodeName);
        Assert.Equal("vxlan", options.EncapType);
        Assert.Equal("vn1n1", options.HostNetns);
        Assert.Equal("/tmp/x.sock", options.SocketPath);
        Assert.Equal(1450, options.EffectivePodMtu);
        Assert.Equal("unix:/var/run/openvswitch/db.sock", options.OvsDatabase);
        Assert.Equal("br-int", options.IntegrationBridge);
        Assert.True(options.PrePlug);
        Assert.False(DaemonOptionsParser.Parse(["--node-name", "n1", "--pre-plug", "false"]).PrePlug);
        Assert.Equal(TimeSpan.FromMinutes(10), options.PrePlugMaxAge);
        Assert.Equal(TimeSpan.FromSeconds(90), DaemonOptionsParser.Parse(["--node-name", "n1", "--pre-plug-max-age", "90"]).PrePlugMaxAge);
    }

    [Theory]
    [InlineData("--encap-type", "stt", "stt")]
    [InlineData("--datapath-type", "dpdk", "dpdk")]
    [InlineData("--socket", "relative.sock", "relative.sock")]
    [InlineData("--node-mtu", "big", "big")]
    [InlineData("--bogus", "1", "--bogus")]
    [InlineData("--pod-mtu", "40", "40")]
    [InlineData("--also-listen", "/tmp/a.sock,relative.sock", "relative.sock")]
    [InlineData("--annotation-timeout", "0", "0")]
    [InlineData("--annotation-timeout", "soon", "soon")]
    [InlineData("--pre-plug", "maybe", "--pre-plug 'maybe'")]
    [InlineData("--pre-plug-max-age", "0", "--pre-plug-max-age 0")]
    public void BadOptionsAreNamed(string name, string value, string mentioned)
    {
        var error = Assert.Throws<DaemonOptionsException>(() => DaemonOptionsParser.Parse(["--node-name", "n1", name, value]));
        Assert.Contains(mentioned, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void KubeOvnSocketIsServedTooOnARealNodeOnly()
    {
        var node = DaemonOptionsParser.Parse(["--node-name", "n1"]);
        Assert.Equal(["/run/vmnet/daemon.sock", "/run/openvswitch/kube-ovn-daemon.sock"], node.AllSocketPaths);

        // A daemon with its own socket (a simulated node) must not claim the node-global Kube-OVN path.
        var simulated = DaemonOptionsParser.Parse(["--node-name", "n1", "--socket", "/tmp/n1.sock"]);
        Assert.Equal(["/tmp/n1.sock"], simulated.AllSocketPaths);

        var both = DaemonOptionsParser.Parse(["--node-name", "n1", "--socket", "/tmp/n1.sock", "--also-listen", "/tmp/k1.sock, /tmp/n1.sock,/tmp/k2.sock"]);
        Assert.Equal(["/tmp/n1.sock", "/tmp/k1.sock", "/tmp/k2.sock"], both.AllSocketPaths);

        var none = DaemonOptionsParser.Parse(["--node-name", "n1", "--also-listen", ""]);
        Assert.Equal(["/run/vmnet/daemon.sock"], none.AllSocketPaths);
    }

    [Fact]
    public void AnnotationTimeoutIsReadInSeconds()
    {
        Assert.Equal(TimeSpan.FromSeconds(20), DaemonOptionsParser.Parse(["--node-name", "n1"]).AnnotationTimeout);
        Assert.Equal(TimeSpan.FromSeconds(7), DaemonOptionsParser.Parse(["--node-name", "n1", "--annotation-timeout", "7"]).AnnotationTimeout);
    }
}
