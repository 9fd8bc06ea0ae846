using System.Net;
using VmNet.Ipam;

namespace VmNet.Tests.Ipam;

public class AddressParsingTests
{
    [Theory]
    [InlineData("10.16.0.1", IpFamily.V4)]
    [InlineData("0.0.0.0", IpFamily.V4)]
    [InlineData("255.255.255.255", IpFamily.V4)]
    [InlineData("fd00::1", IpFamily.V6)]
    [InlineData("::", IpFamily.V6)]
    [InlineData("2001:db8:0:0:0:0:0:1", IpFamily.V6)]
    public void ParsesValidAddresses(string text, IpFamily family)
    {
        var address = IpAddr.Parse(text, "f");
        Assert.Equal(family, address.Family);
        Assert.Equal(IPAddress.Parse(text), address.ToIPAddress());
        Assert.Equal(address, IpAddr.FromIPAddress(IPAddress.Parse(text)));
    }

    [Theory]
    [InlineData("10.16.0.300")]
    [InlineData("10.16.0")]
    [InlineData("10.16.0.1.2")]
    [InlineData("010.16.0.1")]
    [InlineData("10.16.0.-1")]
    [InlineData("fd00::1%eth0")]
    [InlineData("fd00:::1")]
    [InlineData("hello")]
    [InlineData("")]
    public void RejectsInvalidAddresses(string text)
    {
        var ex = Assert.Throws<InvalidIpamInputException>(() => IpAddr.Parse(text, "ip_address"));
        Assert.Equal("ip_address", ex.Field);
        Assert.Equal(text, ex.Value);
        Assert.Equal($"ip_address: \"{text}\" is not a valid address", ex.Message);
    }

    [Fact]
    public void RejectsUpperCaseIpv6()
    {
        var ex = Assert.Throws<InvalidIpamInputException>(() => IpAddr.Parse("FD00::1", "ip_address"));
        Assert.Contains("lower-case", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FormatsIpv6Canonically() =>
        Assert.Equal("2001:db8::1", IpAddr.Parse("2001:0db8:0000:0000:0000:0000:0000:0001", "f").ToString());

    [Theory]
    [InlineData("10.16.0.0/16", "10.16.0.0/16", "10.16.0.1", "10.16.255.254")]
    [InlineData("10.16.3.7/16", "10.16.0.0/16", "10.16.0.1", "10.16.255.254")]
    [InlineData("192.168.1.0/31", "192.168.1.0/31", "192.168.1.0", "192.168.1.1")]
    [InlineData("192.168.1.4/30", "192.168.1.4/30", "192.168.1.5", "192.168.1.6")]
    [InlineData("fd00::/64", "fd00::/64", "fd00::1", "fd00::ffff:ffff:ffff:fffe")]
    [InlineData("fd00::/127", "fd00::/127", "fd00::", "fd00::1")]
    public void NormalisesCidrAndComputesUsableRange(string text, string normalised, string first, string last)
    {
        var cidr = Cidr.Parse(text, "cidrBlock");
        Assert.Equal(normalised, cidr.ToString());
        Assert.Equal(first, cidr.Usable.First.ToString());
        Assert.Equal(last, cidr.Usable.Last.ToString());
    }

    [Theory]
    [InlineData("10.16.0.1/32", "is configured with /32 or /128 netmask")]
    [InlineData("fd00::1/128", "is configured with /32 or /128 netmask")]
    [InlineData("10.16.0.0/33", "is not a valid CIDR")]
    [InlineData("10.16.0.0", "is not a valid CIDR")]
    [InlineData("10.16.0.0/", "is not a valid CIDR")]
    [InlineData("10.16.0.0/016", "is not a valid CIDR")]
    [InlineData("FD00::/64", "is not a valid CIDR: IPv6 addresses must be lower-case")]
    public void RejectsInvalidCidrs(string text, string problem)
    {
        var ex = Assert.Throws<InvalidIpamInputException>(() => Cidr.Parse(text, "cidrBlock"));
        Assert.Equal($"cidrBlock: \"{text}\" {problem}", ex.Message);
    }

    [Theory]
    [InlineData("aa:bb:cc:dd:ee:f0", "aa:bb:cc:dd:ee:f0")]
    [InlineData("AA-BB-CC-DD-EE-F0", "aa:bb:cc:dd:ee:f0")]
    [InlineData("02:00:00:00:00:01", "02:00:00:00:00:01")]
    public void ParsesMacs(string text, string expected) => Assert.Equal(expected, MacAddress.Parse(text, "mac_address").ToString());

    [Theory]
    [InlineData("aa:bb:cc:dd:ee", "is not a valid MAC address (expected xx:xx:xx:xx:xx:xx)")]
    [InlineData("aa:bb:cc:dd:ee:fg", "is not a valid MAC address (expected xx:xx:xx:xx:xx:xx)")]
    [InlineData("aabb.ccdd.eeff", "is not a valid MAC address (expected xx:xx:xx:xx:xx:xx)")]
    [InlineData("01:00:5e:00:00:01", "is a multicast MAC address, a NIC needs a unicast one")]
    [InlineData("00:00:00:00:00:00", "is the all-zero MAC address")]
    public void RejectsBadMacs(string text, string problem)
    {
        var ex = Assert.Throws<InvalidIpamInputException>(() => MacAddress.Parse(text, "mac_address"));
        Assert.Equal($"mac_address: \"{text}\" {problem}", ex.Message);
    }

    [Theory]
    [InlineData("vm1", "default", "ovn", "vm1.default")]
    [InlineData("vm1", "default", "", "vm1.default")]
    [InlineData("vm1", "default", "attachnet.default.ovn", "vm1.default.attachnet.default.ovn")]
    public void NamesPortsLikeKubeOvn(string name, string ns, string provider, string expected) =>
        Assert.Equal(expected, PortNames.PortName(name, ns, provider));
}
