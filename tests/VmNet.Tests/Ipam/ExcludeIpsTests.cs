using VmNet.Ipam;

namespace VmNet.Tests.Ipam;

public class ExcludeIpsTests
{
    private static readonly Cidr[] DualCidrs = [Cidr.Parse("10.16.0.0/24", "c"), Cidr.Parse("fd00::/120", "c")];

    private static string Describe(IReadOnlyList<IpRange> ranges) => string.Join(' ', ranges.Select(r => r.ToString()));

    [Fact]
    public void ParsesSingleAddressesAndRangesOfMixedFamilies()
    {
        var ranges = IpRangeListParser.ParseExcludeIps(["10.16.0.5", "10.16.0.10..10.16.0.20", "fd00::5..fd00::7"], DualCidrs, out var dropped);
        Assert.Equal("10.16.0.5 10.16.0.10-10.16.0.20 fd00::5-fd00::7", Describe(ranges));
        Assert.Empty(dropped);
    }

    [Fact]
    public void ClipsRangesToTheUsableRange()
    {
        var ranges = IpRangeListParser.ParseExcludeIps(["10.15.255.0..10.16.0.3", "10.16.0.250..10.16.1.9"], DualCidrs, out _);
        Assert.Equal("10.16.0.1-10.16.0.3 10.16.0.250-10.16.0.254", Describe(ranges));
    }

    [Fact]
    public void DropsAddressesOutsideTheCidrOrOfAMissingFamily()
    {
        Cidr[] v4Only = [Cidr.Parse("10.16.0.0/24", "c")];
        var ranges = IpRangeListParser.ParseExcludeIps(["10.16.0.0", "10.16.0.255", "10.17.0.1", "fd00::1", "10.16.0.9"], v4Only, out var dropped);
        Assert.Equal("10.16.0.9", Describe(ranges));
        Assert.Equal(["10.16.0.0", "10.16.0.255", "10.17.0.1", "fd00::1"], dropped);
    }

    [Theory]
    [InlineData("10.16.0.300", "excludeIps[1]: \"10.16.0.300\" is not a valid address")]
    [InlineData("10.16.0.1..10.16.0.300", "excludeIps[1]: \"10.16.0.300\" is not a valid address")]
    [InlineData("10.16.0.9..10.16.0.1", "excludeIps[1]: \"10.16.0.9..10.16.0.1\" is not a valid ip range: start is above end")]
    [InlineData("10.16.0.1..fd00::1", "excludeIps[1]: \"10.16.0.1..fd00::1\" is not a valid ip range: start and end are of different families")]
    [InlineData("10.16.0.1..", "excludeIps[1]: \"10.16.0.1..\" is not a valid ip range (expected start..end)")]
    [InlineData("10.16.0.1..10.16.0.2..10.16.0.3", "excludeIps[1]: \"10.16.0.1..10.16.0.2..10.16.0.3\" is not a valid ip range (expected start..end)")]
    [InlineData("FD00::1", "excludeIps[1]: \"FD00::1\" is not a valid address: IPv6 addresses must be lower-case")]
    [InlineData("10.16.0.0/24", "excludeIps[1]: \"10.16.0.0/24\" is not a valid address")]
    public void RejectsInvalidEntriesNamingIndexAndValue(string entry, string message)
    {
        var ex = Assert.Throws<InvalidIpamInputException>(() => IpRangeListParser.ParseExcludeIps(["10.16.0.2", entry], DualCidrs, out _));
        Assert.Equal(message, ex.Message);
        Assert.Equal("excludeIps[1]", ex.Field);
    }

    [Fact]
    public void SubnetReservesGatewayAndExcludesAndDefaultsGatewayToFirstUsable()
    {
        var subnet = new SubnetIpam(new SubnetSpec("s1", "10.16.0.0/24,fd00::/120") { ExcludeIps = ["10.16.0.2..10.16.0.9"] });
        Assert.Equal("10.16.0.1,fd00::1", subnet.Definition.Gateway);
        Assert.Equal("Dual", subnet.Definition.Protocol);
        var v4 = subnet.Usage(IpFamily.V4)!;
        Assert.Equal((UInt128)(254 - 9), v4.Available);
        Assert.Equal("10.16.0.10-10.16.0.254", v4.AvailableRange);
        Assert.Equal("10.16.0.10", subnet.Allocate(IpamTestSupport.Nic("a")).V4());
    }

    [Theory]
    [InlineData("10.16.0.0/24", "10.17.0.1", "gateway: \"10.17.0.1\" is not in cidr 10.16.0.0/24")]
    [InlineData("10.16.0.0/24", "10.16.0.0", "gateway: \"10.16.0.0\" is the network number ip in cidr 10.16.0.0/24")]
    [InlineData("10.16.0.0/24", "10.16.0.255", "gateway: \"10.16.0.255\" is the broadcast ip in cidr 10.16.0.0/24")]
    [InlineData("10.16.0.0/24,fd00::/120", "10.16.0.1", "gateway: \"10.16.0.1\" must hold exactly one IPv6 address for cidr fd00::/120")]
    [InlineData("10.16.0.0/24,10.17.0.0/24", null, "cidrBlock: \"10.16.0.0/24,10.17.0.0/24\" has more than one IPv4 CIDR")]
    public void RejectsInvalidSubnets(string cidrBlock, string? gateway, string message)
    {
        var ex = Assert.Throws<InvalidIpamInputException>(() => SubnetDefinition.Parse(new SubnetSpec("s1", cidrBlock) { Gateway = gateway }));
        Assert.Equal(message, ex.Message);
    }
}
