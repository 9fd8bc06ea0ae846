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
    }

    [Theory]
    [InlineData("--encap-type", "stt", "stt")]
    [InlineData("--datapath-type", "dpdk", "dpdk")]
    [InlineData("--socket", "relative.sock", "relative.sock")]
    [InlineData("--node-mtu", "big", "big")]
    [InlineData("--bogus", "1", "--bogus")]
    [InlineData("--pod-mtu", "40", "40")]
    [InlineData("--pre-plug", "maybe", "--pre-plug 'maybe'")]
    public void BadOptionsAreNamed(string name, string value, string mentioned)
    {
        var error = Assert.Throws<DaemonOptionsException>(() => DaemonOptionsParser.Parse(["--node-name", "n1", name, value]));
        Assert.Contains(mentioned, error.Message, StringComparison.Ordinal);
    }
}
