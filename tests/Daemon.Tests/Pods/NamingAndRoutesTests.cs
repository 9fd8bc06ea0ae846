using VmNet.Cni;
using VmNet.Daemon.Cni;
using VmNet.Daemon.Pods;

namespace VmNet.Daemon.Tests.Pods;

public class NamingAndRoutesTests
{
    private const string ContainerId = "4f0c1d2e3b4a5968778695a4b3c2d1e0f00112233445566778899aabbccddeef";

    [Fact]
    public void HostVethNamesFollowKubeOvnAndFitIfnamsiz()
    {
        Assert.Equal("4f0c1d2e3b4a_h", VethNames.HostSide(ContainerId, "eth0"));
        Assert.Equal("4f0c1d2e_net1_h", VethNames.HostSide(ContainerId, "net1"));
        Assert.True(VethNames.HostSide(ContainerId, "averylongname").Length <= 15);
        Assert.NotEqual(VethNames.HostSide(ContainerId, "net1"), VethNames.HostSide(ContainerId, "net2"));
        Assert.NotEqual(VethNames.HostSide(ContainerId, "eth0"), VethNames.HostSide("5" + ContainerId[1..], "eth0"));
    }

    [Fact]
    public void PortNamesFollowKubeOvn()
    {
        Assert.Equal("web-0.default", PortNames.ForPod("web-0", "default", "ovn"));
        Assert.Equal("vm1.default.attachnet.default.ovn", PortNames.ForPod("vm1", "default", "attachnet.default.ovn"));
    }

    [Theory]
    [InlineData(1500, "geneve", "198.18.0.1", 1400)]
    [InlineData(1500, "vxlan", "198.18.0.1", 1450)]
    [InlineData(1500, "geneve", "fd00::1", 1380)]
    [InlineData(9000, "geneve", null, 8900)]
    public void PodMtuSubtractsTunnelOverhead(int nodeMtu, string encap, string? encapIp, int expected) =>
        Assert.Equal(expected, Mtu.PodMtu(nodeMtu, encap, encapIp));

    [Fact]
    public void DefaultRouteOnlyOnEth0UnlessAnnotated()
    {
        var network = PodNetworkParser.TryParse("ovn", new Dictionary<string, string>
        {
            ["ovn.kubernetes.io/allocated"] = "true",
            ["ovn.kubernetes.io/ip_address"] = "10.16.0.5",
            ["ovn.kubernetes.io/mac_address"] = "0a:58:0a:10:00:05",
            ["ovn.kubernetes.io/cidr"] = "10.16.0.0/16",
            ["ovn.kubernetes.io/gateway"] = "10.16.0.1",
            ["ovn.kubernetes.io/logical_switch"] = "ovn-default",
        }, out _)!;
        Assert.Equal("default via 10.16.0.1 dev eth0", Assert.Single(PodRoutes.Build(network, "eth0", [])).ToString());
        Assert.Empty(PodRoutes.Build(network, "net1", []));
        Assert.Single(PodRoutes.Build(network with { DefaultRoute = true }, "net1", []));
        Assert.Empty(PodRoutes.Build(network with { DefaultRoute = false }, "eth0", []));

        var extra = PodRoutes.Build(network, "eth0", [new NetConfRoute { Dst = "192.168.0.0/24", Gw = "10.16.0.254" }, new NetConfRoute { Dst = "0.0.0.0/0", Gw = "10.16.0.253" }]);
        Assert.Equal(["192.168.0.0/24 via 10.16.0.254 dev eth0", "default via 10.16.0.253 dev eth0"], extra.Select(r => r.ToString()));
    }
}
