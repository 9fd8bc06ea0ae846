using VmNet.Ipam;
using static VmNet.Tests.Ipam.IpamTestSupport;

namespace VmNet.Tests.Ipam;

public class StaticConflictTests
{
    [Fact]
    public void StaticIpOutsideCidrIsOutOfRange()
    {
        var subnet = Subnet("10.16.0.0/24");
        var ex = Assert.Throws<AddressOutOfRangeException>(() => subnet.Allocate(Nic("a") with { StaticIps = ["10.17.0.5"] }));
        Assert.Equal("ip_address: \"10.17.0.5\" is not in subnet s1 cidr 10.16.0.0/24", ex.Message);
    }

    [Fact]
    public void StaticIpOfMissingFamilyIsOutOfRange()
    {
        var subnet = Subnet("10.16.0.0/24");
        var ex = Assert.Throws<AddressOutOfRangeException>(() => subnet.Allocate(Nic("a") with { StaticIps = ["fd00::5"] }));
        Assert.Equal("ip_address: \"fd00::5\" is not in subnet s1 cidr 10.16.0.0/24", ex.Message);
    }

    [Theory]
    [InlineData("10.16.0.0")]
    [InlineData("10.16.0.255")]
    public void StaticNetworkOrBroadcastIsOutOfRange(string ip)
    {
        var subnet = Subnet("10.16.0.0/24");
        var ex = Assert.Throws<AddressOutOfRangeException>(() => subnet.Allocate(Nic("a") with { StaticIps = [ip] }));
        Assert.Equal($"ip_address: \"{ip}\" is the network or broadcast address of subnet s1 cidr 10.16.0.0/24", ex.Message);
    }

    [Fact]
    public void StaticGatewayIsAConflict()
    {
        var subnet = Subnet("10.16.0.0/24");
        var ex = Assert.Throws<AddressConflictException>(() => subnet.Allocate(Nic("a") with { StaticIps = ["10.16.0.1"] }));
        Assert.Equal("ip_address: \"10.16.0.1\" is the gateway of subnet s1", ex.Message);
        Assert.Null(ex.CurrentOwner);
    }

    [Fact]
    public void StaticIpHeldByAnotherOwnerIsAConflictNamingTheOwner()
    {
        var subnet = Subnet("10.16.0.0/24");
        subnet.Allocate(Nic("a", "ns1") with { StaticIps = ["10.16.0.20"] });
        var ex = Assert.Throws<AddressConflictException>(() => subnet.Allocate(Nic("b", "ns2") with { StaticIps = ["10.16.0.20"] }));
        Assert.Equal("ip_address: \"10.16.0.20\" is already allocated to ns1/a in subnet s1", ex.Message);
        Assert.Equal("ns1/a", ex.CurrentOwner);
        Assert.Null(subnet.FindByNic("b.ns2"));
    }

    [Fact]
    public void DynamicallyAllocatedIpIsAlsoProtected()
    {
        var subnet = Subnet("10.16.0.0/24");
        subnet.Allocate(Nic("a"));
        var ex = Assert.Throws<AddressConflictException>(() => subnet.Allocate(Nic("b") with { StaticIps = ["10.16.0.2"] }));
        Assert.Equal("default/a", ex.CurrentOwner);
    }

    [Fact]
    public void SameOwnerRequestingItsIpAgainIsANoOp()
    {
        var subnet = Subnet("10.16.0.0/24");
        var first = subnet.Allocate(Nic("a") with { StaticIps = ["10.16.0.20"] });
        Assert.Equal(first, subnet.Allocate(Nic("a") with { StaticIps = ["10.16.0.20"] }));
    }

    [Fact]
    public void LiveMigrationTargetSharesTheIpWhenConflictCheckingIsOff()
    {
        var subnet = Subnet("10.16.0.0/24");
        var source = subnet.Allocate(new AllocationRequest("src.ns.net.ns.ovn", "ns/launcher-a") { StaticIps = ["10.16.0.20"] });
        var target = subnet.Allocate(new AllocationRequest("dst.ns.net.ns.ovn", "ns/launcher-b") { StaticIps = ["10.16.0.20"], CheckConflict = false });
        Assert.Equal(source.V4, target.V4);
        Assert.Equal(["ns/launcher-a", "ns/launcher-b"], subnet.FindByIp(Ip("10.16.0.20")).Select(a => a.OwnerKey));
        subnet.ReleaseNic("src.ns.net.ns.ovn");
        Assert.Equal((UInt128)1, subnet.Usage(IpFamily.V4)!.Using);
        subnet.ReleaseNic("dst.ns.net.ns.ovn");
        Assert.Equal((UInt128)0, subnet.Usage(IpFamily.V4)!.Using);
    }

    [Fact]
    public void ExcludedAddressCanBeAllocatedStaticallyAndIsNotRecycled()
    {
        var subnet = Subnet("10.16.0.0/29", "10.16.0.2..10.16.0.5");
        Assert.Equal("10.16.0.3", subnet.Allocate(Nic("a") with { StaticIps = ["10.16.0.3"] }).V4());
        subnet.ReleaseNic("a.default");
        Assert.Equal("10.16.0.6", subnet.Allocate(Nic("b")).V4());
        Assert.Throws<NoAvailableAddressException>(() => subnet.Allocate(Nic("c")));
    }

    [Fact]
    public void ChangingTheStaticIpReleasesThePreviousOneAndKeepsTheMac()
    {
        var subnet = Subnet("10.16.0.0/24");
        var before = subnet.Allocate(Nic("vm") with { StaticIps = ["10.16.0.20"] });
        var after = subnet.Allocate(Nic("vm") with { StaticIps = ["10.16.0.30"] });
        Assert.Equal("10.16.0.30", after.V4());
        Assert.Equal(before.Mac, after.Mac);
        Assert.Empty(subnet.FindByIp(Ip("10.16.0.20")));
        Assert.Equal("10.16.0.20", subnet.Allocate(Nic("x") with { StaticIps = ["10.16.0.20"] }).V4());
    }

    [Fact]
    public void FailedStaticChangeRestoresThePreviousAddress()
    {
        var subnet = Subnet("10.16.0.0/24,fd00::/120");
        subnet.Allocate(Nic("other") with { StaticIps = ["fd00::50"] });
        var before = subnet.Allocate(Nic("vm") with { StaticIps = ["10.16.0.20"] });
        Assert.Throws<AddressConflictException>(() => subnet.Allocate(Nic("vm") with { StaticIps = ["10.16.0.30", "fd00::50"] }));
        Assert.Equal(before, subnet.FindByNic("vm.default"));
        Assert.Empty(subnet.FindByIp(Ip("10.16.0.30")));
    }

    [Fact]
    public void TwoAddressesOfOneFamilyAreRejected()
    {
        var subnet = Subnet("10.16.0.0/24");
        var ex = Assert.Throws<InvalidIpamInputException>(() => subnet.Allocate(Nic("a") with { StaticIps = ["10.16.0.5", "10.16.0.6"] }));
        Assert.Equal("ip_address: \"10.16.0.5,10.16.0.6\" has more than one IPv4 address", ex.Message);
    }

    [Fact]
    public void MalformedStaticMacIsRejectedBeforeAnythingIsAllocated()
    {
        var subnet = Subnet("10.16.0.0/24");
        var ex = Assert.Throws<InvalidIpamInputException>(() => subnet.Allocate(Nic("a") with { StaticMac = "zz:zz" }));
        Assert.Equal("mac_address", ex.Field);
        Assert.Equal(0, subnet.NicCount);
    }

    [Fact]
    public void StaticMacHeldByAnotherOwnerIsAConflict()
    {
        var subnet = Subnet("10.16.0.0/24");
        subnet.Allocate(Nic("a", "ns1") with { StaticMac = "02:00:00:00:00:aa" });
        var ex = Assert.Throws<AddressConflictException>(() => subnet.Allocate(Nic("b", "ns1") with { StaticMac = "02:00:00:00:00:AA" }));
        Assert.Equal("mac_address: \"02:00:00:00:00:aa\" is already used by ns1/a in subnet s1", ex.Message);
        Assert.Equal("ns1/a", ex.CurrentOwner);
        Assert.Null(subnet.FindByNic("b.ns1"));
        Assert.Equal((UInt128)1, subnet.Usage(IpFamily.V4)!.Using);
    }

    [Fact]
    public void StaticMacEqualToGatewayMacIsAConflict()
    {
        var subnet = new SubnetIpam(new SubnetSpec("s1", "10.16.0.0/24") { GatewayMac = "02:00:00:00:00:01" });
        var ex = Assert.Throws<AddressConflictException>(() => subnet.Allocate(Nic("a") with { StaticMac = "02:00:00:00:00:01" }));
        Assert.Equal("mac_address: \"02:00:00:00:00:01\" is the gateway MAC of subnet s1", ex.Message);
    }

    [Fact]
    public void NicKeyOfAnotherOwnerIsAConflict()
    {
        var subnet = Subnet("10.16.0.0/24");
        subnet.Allocate(new AllocationRequest("x.default", "default/x"));
        var ex = Assert.Throws<AddressConflictException>(() => subnet.Allocate(new AllocationRequest("x.default", "default/y")));
        Assert.Equal("nicKey: \"x.default\" belongs to default/x in subnet s1", ex.Message);
    }
}
