using VmNet.Dhcp;

namespace VmNet.Tests.Dhcp;

public class DhcpOptionsBuilderTests
{
    private static readonly DhcpSubnetInput DualStack = DhcpSubnetInput.From("s1", "10.7.0.0/24,fd00:7::/64", "10.7.0.1,fd00:7::1", 1400);

    [Fact]
    public void V4DefaultsFollowFacts()
    {
        var spec = DhcpOptionsBuilder.V4(DualStack, "dhcpV4Options", null, null, () => "0a:00:00:00:00:01");
        Assert.Equal("10.7.0.0/24", spec.Cidr);
        Assert.Equal(new Dictionary<string, string>
        {
            ["lease_time"] = "3600",
            ["router"] = "10.7.0.1",
            ["server_id"] = "169.254.0.254",
            ["server_mac"] = "0a:00:00:00:00:01",
            ["mtu"] = "1400",
        }, spec.Options);
        Assert.Equal(new Dictionary<string, string> { ["ls"] = "s1", ["protocol"] = "IPv4" }, spec.ExternalIds);
    }

    [Fact]
    public void V4UserOptionsWinAndServerMacIsKept()
    {
        var existing = new Dictionary<string, string> { ["server_mac"] = "0a:00:00:00:00:aa" };
        var spec = DhcpOptionsBuilder.V4(DualStack, "dhcpV4Options", "lease_time=600, dns_server=8.8.8.8;1.1.1.1, mtu=1300", existing, () => throw new InvalidOperationException("must keep the MAC"), port: "vm1.ns");
        Assert.Equal("600", spec.Options["lease_time"]);
        Assert.Equal("{8.8.8.8, 1.1.1.1}", spec.Options["dns_server"]);
        Assert.Equal("1300", spec.Options["mtu"]);
        Assert.Equal("0a:00:00:00:00:aa", spec.Options["server_mac"]);
        Assert.Equal("vm1.ns", spec.ExternalIds["port"]);
    }

    [Theory]
    [InlineData("lease_time", "lease_time")]
    [InlineData("router=fd00::1", "router=fd00::1")]
    [InlineData("lease_time=abc", "lease_time=abc")]
    [InlineData("mtu=20", "mtu=20")]
    [InlineData("server_mac=zz", "zz")]
    [InlineData("a=1,a=2", "a=2")]
    public void V4BadOptionsNameTheField(string options, string value)
    {
        var ex = Assert.Throws<DhcpOptionsException>(() => DhcpOptionsBuilder.V4(DualStack, "dhcpV4Options", options, null, () => "0a:00:00:00:00:01"));
        Assert.Equal("dhcpV4Options", ex.Field);
        Assert.Equal(value, ex.Value);
    }

    [Fact]
    public void V6KeepsServerId()
    {
        var created = DhcpOptionsBuilder.V6(DualStack, "dhcpV6Options", null, null, () => "0a:00:00:00:00:06");
        Assert.Equal("fd00:7::/64", created.Cidr);
        Assert.Equal("0a:00:00:00:00:06", created.Options["server_id"]);
        var updated = DhcpOptionsBuilder.V6(DualStack, "dhcpV6Options", "dns_server=fd00::53", created.Options, () => "0a:00:00:00:00:07");
        Assert.Equal("0a:00:00:00:00:06", updated.Options["server_id"]);
        Assert.Equal("fd00::53", updated.Options["dns_server"]);
    }

    [Fact]
    public void FamilyMissingIsAnError()
    {
        var v4Only = DhcpSubnetInput.From("s2", "10.8.0.0/24", "10.8.0.1", 1400);
        Assert.Throws<DhcpOptionsException>(() => DhcpOptionsBuilder.V6(v4Only, "dhcpV6Options", null, null, () => "0a:00:00:00:00:01"));
    }

    [Theory]
    [InlineData(null, false, "geneve", 1400)]
    [InlineData(null, false, "vxlan", 1450)]
    [InlineData(null, false, "stt", 1428)]
    [InlineData(null, true, "geneve", 1500)]
    [InlineData(9000L, false, "geneve", 9000)]
    public void GuestMtu(long? subnetMtu, bool underlay, string tunnel, int expected) =>
        Assert.Equal(expected, EncapOverhead.GuestMtu(subnetMtu, underlay, tunnel));

    [Fact]
    public void RaConfigsDefaultsAndOverrides()
    {
        Assert.Equal(new Dictionary<string, string> { ["address_mode"] = "dhcpv6_stateful", ["max_interval"] = "30", ["min_interval"] = "5", ["send_periodic"] = "true" }, Ipv6RaConfigs.Build("ipv6RAConfigs", null));
        Assert.Equal("slaac", Ipv6RaConfigs.Build("ipv6RAConfigs", "address_mode=slaac")["address_mode"]);
        Assert.Throws<DhcpOptionsException>(() => Ipv6RaConfigs.Build("ipv6RAConfigs", "address_mode=magic"));
    }

    [Fact]
    public void PodOverridesAcceptBothSpellings()
    {
        Assert.Equal(("p.ns.ovn.kubernetes.io/dhcp-v4-options", "lease_time=60"), DhcpPodOverrides.Find(new Dictionary<string, string> { ["p.ns.ovn.kubernetes.io/dhcp-v4-options"] = "lease_time=60" }, "p.ns.ovn", DhcpProtocol.IPv4));
        Assert.Equal(("ovn.kubernetes.io/dhcp_v6_options", "dns_server=fd00::53"), DhcpPodOverrides.Find(new Dictionary<string, string> { ["ovn.kubernetes.io/dhcp_v6_options"] = "dns_server=fd00::53" }, "ovn", DhcpProtocol.IPv6));
        Assert.Null(DhcpPodOverrides.Find(new Dictionary<string, string> { ["ovn.kubernetes.io/dhcp-v4-options"] = "x=1" }, "ovn", DhcpProtocol.IPv6));
    }
}
