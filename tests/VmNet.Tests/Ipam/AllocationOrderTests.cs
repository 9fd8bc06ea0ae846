using VmNet.Ipam;
using static VmNet.Tests.Ipam.IpamTestSupport;

namespace VmNet.Tests.Ipam;

public class AllocationOrderTests
{
    [Fact]
    public void AllocatesLowestFreeFirstSkippingGatewayAndExcludes()
    {
        var subnet = Subnet("10.16.0.0/24", "10.16.0.3", "10.16.0.5..10.16.0.6");
        var got = Enumerable.Range(0, 4).Select(i => subnet.Allocate(Nic($"p{i}")).V4()).ToList();
        Assert.Equal(["10.16.0.2", "10.16.0.4", "10.16.0.7", "10.16.0.8"], got);
    }

    [Fact]
    public void ReleasedAddressesAreReusedOnlyAfterFreeIsExhausted()
    {
        var subnet = Subnet("10.16.0.0/29");
        // usable .1-.6, gateway .1 → .2..6 allocatable
        Assert.Equal("10.16.0.2", subnet.Allocate(Nic("a")).V4());
        Assert.Equal("10.16.0.3", subnet.Allocate(Nic("b")).V4());
        subnet.ReleaseNic("a.default");
        Assert.Equal("10.16.0.4", subnet.Allocate(Nic("c")).V4());
        Assert.Equal("10.16.0.5", subnet.Allocate(Nic("d")).V4());
        Assert.Equal("10.16.0.6", subnet.Allocate(Nic("e")).V4());
        Assert.Equal("10.16.0.2", subnet.Allocate(Nic("f")).V4());
        var ex = Assert.Throws<NoAvailableAddressException>(() => subnet.Allocate(Nic("g")));
        Assert.Equal("subnet: \"s1\" has no available IPv4 address", ex.Message);
        Assert.Null(subnet.FindByNic("g.default"));
    }

    [Fact]
    public void RecyclesReleasedLowestFirst()
    {
        var subnet = Subnet("10.16.0.0/29");
        foreach (var n in new[] { "a", "b", "c", "d", "e" })
        {
            subnet.Allocate(Nic(n));
        }

        subnet.ReleaseNic("d.default");
        subnet.ReleaseNic("b.default");
        Assert.Equal("10.16.0.3", subnet.Allocate(Nic("x")).V4());
        Assert.Equal("10.16.0.5", subnet.Allocate(Nic("y")).V4());
    }

    [Fact]
    public void AllocateIsIdempotentPerNicAndKeepsIpAndMac()
    {
        var subnet = Subnet("10.16.0.0/24,fd00::/120");
        var first = subnet.Allocate(Nic("vm1"));
        subnet.Allocate(Nic("other"));
        var again = subnet.Allocate(Nic("vm1"));
        Assert.Equal(first, again);
        Assert.Equal(2, subnet.NicCount);
    }

    [Fact]
    public void SkipListAvoidsNodeAddresses()
    {
        var subnet = Subnet("10.16.0.0/24");
        var request = Nic("a") with { Skip = new HashSet<IpAddr> { Ip("10.16.0.2"), Ip("10.16.0.3") } };
        Assert.Equal("10.16.0.4", subnet.Allocate(request).V4());
        Assert.Equal("10.16.0.2", subnet.Allocate(Nic("b")).V4());
    }

    [Fact]
    public void PointToPointV4UsesBothAddresses()
    {
        var subnet = Subnet("192.168.7.0/31");
        Assert.Equal("192.168.7.0", subnet.Definition.Gateway);
        Assert.Equal("192.168.7.1", subnet.Allocate(Nic("a")).V4());
        Assert.Throws<NoAvailableAddressException>(() => subnet.Allocate(Nic("b")));
    }

    [Fact]
    public void PointToPointV6UsesBothAddresses()
    {
        var subnet = Subnet("fd00::10/127");
        Assert.Equal("fd00::10", subnet.Definition.Gateway);
        Assert.Equal("fd00::11", subnet.Allocate(Nic("a")).V6());
        Assert.Throws<NoAvailableAddressException>(() => subnet.Allocate(Nic("b")));
    }

    [Fact]
    public void V6Slash64WorksWithoutPerAddressState()
    {
        var subnet = Subnet("fd00:10:16::/64", "fd00:10:16::2..fd00:10:16::ffff");
        Assert.Equal("fd00:10:16::1:0", subnet.Allocate(Nic("a")).V6());
        Assert.Equal("fd00:10:16::1:1", subnet.Allocate(Nic("b")).V6());
        var usage = subnet.Usage(IpFamily.V6)!;
        Assert.Equal(((UInt128)1 << 64) - 2 - 1 - 0xfffe - 2, usage.Available);
        Assert.Equal("fd00:10:16::1:0-fd00:10:16::1:1", usage.UsingRange);
        var last = subnet.Allocate(Nic("c") with { StaticIps = ["fd00:10:16:0:ffff:ffff:ffff:fffe"] });
        Assert.Equal("fd00:10:16:0:ffff:ffff:ffff:fffe", last.V6());
        Assert.Throws<AddressOutOfRangeException>(() => subnet.Allocate(Nic("d") with { StaticIps = ["fd00:10:16:0:ffff:ffff:ffff:ffff"] }));
    }

    [Fact]
    public void DualStackAllocatesBothFamiliesOnOneNic()
    {
        var subnet = Subnet("10.16.0.0/24,fd00::/120");
        var allocation = subnet.Allocate(Nic("a"));
        Assert.Equal("10.16.0.2,fd00::2", allocation.IpAddressAnnotation);
        Assert.NotNull(allocation.Mac);
    }

    [Fact]
    public void IpFamilyAnnotationTakesOneFamily()
    {
        var subnet = Subnet("10.16.0.0/24,fd00::/120");
        var allocation = subnet.Allocate(Nic("a") with { Family = IpFamily.V6 });
        Assert.Equal("fd00::2", allocation.IpAddressAnnotation);

        var v4Only = Subnet("10.16.0.0/24");
        var ex = Assert.Throws<InvalidIpamInputException>(() => v4Only.Allocate(Nic("a") with { Family = IpFamily.V6 }));
        Assert.Equal("ip_family: \"IPv6\" does not match subnet s1 protocol IPv4", ex.Message);
    }

    [Fact]
    public void DualStackRollsBackNewV4WhenV6IsExhausted()
    {
        var subnet = Subnet("10.16.0.0/24,fd00::/126");
        Assert.Equal("10.16.0.2,fd00::2", subnet.Allocate(Nic("a")).IpAddressAnnotation);
        Assert.Throws<NoAvailableAddressException>(() => subnet.Allocate(Nic("b")));
        Assert.Null(subnet.FindByNic("b.default"));
        Assert.Equal((UInt128)1, subnet.Usage(IpFamily.V4)!.Using);
        // The rolled-back v4 address went back to Free, so the next v4-only request gets it.
        Assert.Equal("10.16.0.3", subnet.Allocate(Nic("c") with { Family = IpFamily.V4 }).V4());
    }

    [Fact]
    public void DualStackKeepsExistingV4WhenV6Fails()
    {
        var subnet = Subnet("10.16.0.0/24,fd00::/126");
        subnet.Allocate(Nic("a"));
        var b = subnet.Allocate(Nic("b") with { Family = IpFamily.V4 });
        Assert.Throws<NoAvailableAddressException>(() => subnet.Allocate(Nic("b")));
        Assert.Equal(b, subnet.FindByNic("b.default"));
    }

    [Fact]
    public void DualStackWithOneStaticFamilyAllocatesTheOtherDynamically()
    {
        var subnet = Subnet("10.16.0.0/24,fd00::/120");
        var allocation = subnet.Allocate(Nic("a") with { StaticIps = ["10.16.0.50"] });
        Assert.Equal("10.16.0.50,fd00::2", allocation.IpAddressAnnotation);
    }

    [Fact]
    public void ReleaseByOwnerReleasesEveryNicOfThePod()
    {
        var registry = new IpamRegistry(new MacGenerator(new Random(1)));
        registry.AddOrUpdateSubnet(new SubnetSpec("a", "10.16.0.0/24"));
        registry.AddOrUpdateSubnet(new SubnetSpec("b", "10.17.0.0/24"));
        registry.Allocate("a", new AllocationRequest("vm1.ns1", "ns1/vm1"));
        registry.Allocate("b", new AllocationRequest("vm1.ns1.net.ns1.ovn", "ns1/vm1"));
        registry.Allocate("a", new AllocationRequest("vm2.ns1", "ns1/vm2"));
        Assert.Equal(2, registry.FindByOwner("ns1/vm1").Count);
        var released = registry.ReleaseOwner("ns1/vm1");
        Assert.Equal(["vm1.ns1", "vm1.ns1.net.ns1.ovn"], released.Select(a => a.NicKey).Order(StringComparer.Ordinal));
        Assert.Empty(registry.FindByOwner("ns1/vm1"));
        Assert.NotNull(registry.FindByNic("vm2.ns1"));
    }

    [Fact]
    public void MacOnlySubnetHandsOutOnlyAMac()
    {
        var subnet = new SubnetIpam(new SubnetSpec("underlay", string.Empty), new MacGenerator(new Random(9)));
        Assert.Equal("Mac", subnet.Definition.Protocol);
        var allocation = subnet.Allocate(Nic("a"));
        Assert.Equal(string.Empty, allocation.IpAddressAnnotation);
        Assert.NotNull(allocation.Mac);
        Assert.Throws<AddressOutOfRangeException>(() => subnet.Allocate(Nic("b") with { StaticIps = ["10.0.0.5"] }));
    }
}
