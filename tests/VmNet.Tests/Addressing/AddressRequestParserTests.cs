using VmNet.Addressing;

namespace VmNet.Tests.Addressing;

public sealed class AddressRequestParserTests
{
    [Fact]
    public void ReadsStaticIpsMacPoolAndPortSecurity()
    {
        var request = AddressRequestParser.Parse(new Dictionary<string, string>
        {
            ["ovn.kubernetes.io/ip_address"] = "10.16.0.5, fd00::5",
            ["ovn.kubernetes.io/mac_address"] = "02-AA-BB-CC-DD-EE",
            ["ovn.kubernetes.io/ip_pool"] = " pool-a ",
            ["ovn.kubernetes.io/port_security"] = "true",
        });
        Assert.Equal(["10.16.0.5", "fd00::5"], request.StaticIps);
        Assert.Equal("02:aa:bb:cc:dd:ee", request.StaticMac);
        Assert.Equal("pool-a", request.IpPool);
        Assert.True(request.PortSecurity);
    }

    [Fact]
    public void EmptyWithoutAnnotations()
    {
        var request = AddressRequestParser.Parse(null);
        Assert.False(request.HasStaticIp);
        Assert.Null(request.StaticMac);
        Assert.False(request.PortSecurity);
    }

    [Theory]
    [InlineData("ovn.kubernetes.io/ip_address", "10.16.0.256", "10.16.0.256")]
    [InlineData("ovn.kubernetes.io/ip_address", "10.16.0.1,10.16.0.2", "10.16.0.1,10.16.0.2")]
    [InlineData("ovn.kubernetes.io/ip_address", "FD00::5", "FD00::5")]
    [InlineData("ovn.kubernetes.io/mac_address", "zz:00:00:00:00:01", "zz:00:00:00:00:01")]
    [InlineData("ovn.kubernetes.io/mac_address", "03:00:00:00:00:01", "03:00:00:00:00:01")]
    public void BadValuesNameTheAnnotationAndValue(string key, string value, string reported)
    {
        var ex = Assert.Throws<AddressingException>(() => AddressRequestParser.Parse(new Dictionary<string, string> { [key] = value }));
        Assert.Equal(key, ex.Field);
        Assert.Equal(reported, ex.Value);
        Assert.StartsWith($"{key}: \"{reported}\" ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OtherProvidersUseTheirOwnKeys()
    {
        var request = AddressRequestParser.Parse(new Dictionary<string, string> { ["net1.ns1.ovn.kubernetes.io/ip_address"] = "10.1.0.9" }, "net1.ns1.ovn");
        Assert.Equal(["10.1.0.9"], request.StaticIps);
        Assert.False(AddressRequestParser.Parse(new Dictionary<string, string> { ["net1.ns1.ovn.kubernetes.io/ip_address"] = "10.1.0.9" }).HasStaticIp);
    }
}
