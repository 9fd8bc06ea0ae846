using VmNet.Daemon.Pods;

namespace VmNet.Daemon.Tests.Pods;

public class PodNetworkParserTests
{
    private static Dictionary<string, string> Allocated(string provider = "ovn") => new()
    {
        [provider + ".kubernetes.io/allocated"] = "true",
        [provider + ".kubernetes.io/ip_address"] = "10.16.0.5,fd00:10:16::5",
        [provider + ".kubernetes.io/mac_address"] = "0A:58:0A:10:00:05",
        [provider + ".kubernetes.io/cidr"] = "10.16.0.0/16,fd00:10:16::/64",
        [provider + ".kubernetes.io/gateway"] = "10.16.0.1,fd00:10:16::1",
        [provider + ".kubernetes.io/logical_switch"] = "ovn-default",
    };

    [Fact]
    public void DualStackAllocationIsRead()
    {
        var network = PodNetworkParser.TryParse("ovn", Allocated(), out var missing);
        Assert.Null(missing);
        Assert.NotNull(network);
        Assert.Equal(["10.16.0.5/16", "fd00:10:16::5/64"], network.Addresses.Select(a => a.ToString()));
        Assert.Equal("0a:58:0a:10:00:05", network.Mac);
        Assert.Equal(["10.16.0.1", "fd00:10:16::1"], network.Gateways.Select(g => g.ToString()));
        Assert.Equal("ovn-default", network.LogicalSwitch);
        Assert.False(network.MigrationTarget);
        Assert.True(network.Qos.IsUnlimited);
    }

    [Fact]
    public void IpamOnlyProviderNeedsNoLogicalSwitchButOvnAttachmentsDo()
    {
        var ipamOnly = Allocated("mv.default");
        ipamOnly.Remove("mv.default.kubernetes.io/logical_switch");
        var network = PodNetworkParser.TryParse("mv.default", ipamOnly, out var missing);
        Assert.Null(missing);
        Assert.Equal(["10.16.0.5/16", "fd00:10:16::5/64"], network!.Addresses.Select(a => a.ToString()));
        Assert.Equal(string.Empty, network.LogicalSwitch);

        foreach (var provider in new[] { "att.default.ovn", "att.default.ovn.net2" })
        {
            var ovn = Allocated(provider);
            ovn.Remove(provider + ".kubernetes.io/logical_switch");
            Assert.Null(PodNetworkParser.TryParse(provider, ovn, out missing));
            Assert.Equal(provider + ".kubernetes.io/logical_switch", missing);
        }
    }

    [Fact]
    public void MissingAllocationNamesTheFirstMissingKey()
    {
        Assert.Null(PodNetworkParser.TryParse("ovn", new Dictionary<string, string>(), out var missing));
        Assert.Equal("ovn.kubernetes.io/allocated", missing);

        var partial = Allocated();
        partial.Remove("ovn.kubernetes.io/mac_address");
        Assert.Null(PodNetworkParser.TryParse("ovn", partial, out missing));
        Assert.Equal("ovn.kubernetes.io/mac_address", missing);
    }

    [Fact]
    public void AttachmentProviderKeysAreUsed()
    {
        var network = PodNetworkParser.TryParse("net1.default.ovn", Allocated("net1.default.ovn"), out _);
        Assert.NotNull(network);
        Assert.Null(PodNetworkParser.TryParse("ovn", Allocated("net1.default.ovn"), out var missing));
        Assert.Equal("ovn.kubernetes.io/allocated", missing);
    }

    [Fact]
    public void VmRoutesMigrationAndQosAreRead()
    {
        var annotations = Allocated();
        annotations["ovn.kubernetes.io/virtualmachine"] = "vm1";
        annotations["ovn.kubernetes.io/default_route"] = "false";
        annotations["ovn.kubernetes.io/routes"] = """[{"dst":"192.168.0.0/24","gw":"10.16.0.254"}]""";
        annotations["kubevirt.io/migrationJobName"] = "mig-1";
        annotations["ovn.kubernetes.io/ingress_rate"] = "30";
        annotations["ovn.kubernetes.io/egress_rate"] = "20";
        var network = PodNetworkParser.TryParse("ovn", annotations, out _)!;
        Assert.Equal("vm1", network.VirtualMachine);
        Assert.False(network.DefaultRoute);
        Assert.Equal("192.168.0.0/24", Assert.Single(network.Routes).Dst);
        Assert.True(network.MigrationTarget);
        Assert.Equal(new PodQos(30, 20), network.Qos);
        Assert.Equal(20_000, network.Qos.PolicingRateKbps);
        Assert.Equal(16_000, network.Qos.PolicingBurstKbit);
        Assert.Equal(3_750_000, network.Qos.ShaperRateBytesPerSecond);
    }

    [Theory]
    [InlineData("ovn.kubernetes.io/ip_address", "10.16.0.x")]
    [InlineData("ovn.kubernetes.io/mac_address", "not-a-mac")]
    [InlineData("ovn.kubernetes.io/cidr", "10.16.0.0/33")]
    [InlineData("ovn.kubernetes.io/default_route", "yes")]
    [InlineData("ovn.kubernetes.io/routes", "[{\"dst\":")]
    [InlineData("ovn.kubernetes.io/egress_rate", "-5")]
    public void MalformedValuesNameKeyAndValue(string key, string value)
    {
        var annotations = Allocated();
        annotations[key] = value;
        var error = Assert.Throws<PodAnnotationException>(() => PodNetworkParser.TryParse("ovn", annotations, out _));
        Assert.Equal(key, error.Key);
        Assert.Contains(value, error.Message, StringComparison.Ordinal);
    }
}
