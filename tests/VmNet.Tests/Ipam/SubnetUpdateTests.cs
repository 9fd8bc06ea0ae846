using VmNet.Ipam;
using static VmNet.Tests.Ipam.IpamTestSupport;

namespace VmNet.Tests.Ipam;

public class SubnetUpdateTests
{
    [Fact]
    public void ChangingExcludeIpsKeepsAllocations()
    {
        var subnet = Subnet("10.16.0.0/24");
        var a = subnet.Allocate(Nic("a"));
        var b = subnet.Allocate(Nic("b"));
        var result = subnet.Update(new SubnetSpec("s1", "10.16.0.0/24") { ExcludeIps = ["10.16.0.2..10.16.0.10"] });
        Assert.False(result.CidrChanged);
        Assert.Empty(result.Displaced);
        Assert.Equal(a, subnet.FindByNic("a.default"));
        Assert.Equal(b, subnet.FindByNic("b.default"));
        Assert.Equal("10.16.0.11", subnet.Allocate(Nic("c")).V4());
        // Excluded-but-used addresses are not recycled when released.
        subnet.ReleaseNic("a.default");
        Assert.Equal("10.16.0.12-10.16.0.254", subnet.Usage(IpFamily.V4)!.AvailableRange);
    }

    [Fact]
    public void RemovingExcludesFreesAddresses()
    {
        var subnet = Subnet("10.16.0.0/24", "10.16.0.2..10.16.0.9");
        Assert.Equal("10.16.0.10", subnet.Allocate(Nic("a")).V4());
        subnet.Update(new SubnetSpec("s1", "10.16.0.0/24"));
        Assert.Equal("10.16.0.2", subnet.Allocate(Nic("b")).V4());
    }

    [Fact]
    public void ReleasedAddressesStayReleasedAcrossAnUpdate()
    {
        var subnet = Subnet("10.16.0.0/29");
        subnet.Allocate(Nic("a"));
        subnet.Allocate(Nic("b"));
        subnet.ReleaseNic("a.default");
        subnet.Update(new SubnetSpec("s1", "10.16.0.0/29") { ExcludeIps = ["10.16.0.6"] });
        Assert.Equal("10.16.0.4", subnet.Allocate(Nic("c")).V4());
        Assert.Equal("10.16.0.5", subnet.Allocate(Nic("d")).V4());
        Assert.Equal("10.16.0.2", subnet.Allocate(Nic("e")).V4());
    }

    [Fact]
    public void ChangingCidrReportsNicsOutsideAndTheyKeepTheirMac()
    {
        var subnet = Subnet("10.16.0.0/24");
        var inside = subnet.Allocate(Nic("in") with { StaticIps = ["10.16.0.20"] });
        var outside = subnet.Allocate(Nic("vm") with { StaticIps = ["10.16.0.200"] });
        var result = subnet.Update(new SubnetSpec("s1", "10.16.0.0/25"));
        Assert.True(result.CidrChanged);
        var displaced = Assert.Single(result.Displaced);
        Assert.Equal(new DisplacedAddress("vm.default", "default/vm", Ip("10.16.0.200"), DisplacementReason.OutsideCidr), displaced);
        Assert.Equal(inside, subnet.FindByNic("in.default"));
        var reallocated = subnet.Allocate(Nic("vm"));
        Assert.Equal("10.16.0.2", reallocated.V4());
        Assert.Equal(outside.Mac, reallocated.Mac);
    }

    [Fact]
    public void AddressThatBecomesTheGatewayIsDisplaced()
    {
        var subnet = Subnet("10.16.0.0/24");
        subnet.Allocate(Nic("a") with { StaticIps = ["10.16.0.254"] });
        var result = subnet.Update(new SubnetSpec("s1", "10.16.0.0/24") { Gateway = "10.16.0.254" });
        Assert.Equal(DisplacementReason.GatewayAddress, Assert.Single(result.Displaced).Reason);
        Assert.Equal("10.16.0.1", subnet.Allocate(Nic("b")).V4());
    }

    [Fact]
    public void AddingV6ToASubnetKeepsV4AndAllowsV6()
    {
        var subnet = Subnet("10.16.0.0/24");
        var a = subnet.Allocate(Nic("a"));
        subnet.Update(new SubnetSpec("s1", "10.16.0.0/24,fd00::/120"));
        var dual = subnet.Allocate(Nic("a"));
        Assert.Equal(a.V4, dual.V4);
        Assert.Equal("fd00::2", dual.V6());
        Assert.Equal(a.Mac, dual.Mac);
    }

    [Fact]
    public void PoolsSurviveACidrChange()
    {
        var subnet = Subnet("10.16.0.0/24");
        subnet.SetPool("blue", ["10.16.0.100..10.16.0.101"]);
        subnet.Update(new SubnetSpec("s1", "10.16.0.0/23"));
        Assert.Equal("10.16.0.100", subnet.Allocate(Nic("a") with { Pool = "blue" }).V4());
        Assert.Equal("10.16.0.2", subnet.Allocate(Nic("b")).V4());
    }
}
