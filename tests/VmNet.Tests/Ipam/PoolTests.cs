using VmNet.Ipam;
using static VmNet.Tests.Ipam.IpamTestSupport;

namespace VmNet.Tests.Ipam;

public class PoolTests
{
    [Fact]
    public void NamedPoolAllocatesInsideItsRangeAndDefaultPoolAvoidsIt()
    {
        var subnet = Subnet("10.16.0.0/24");
        subnet.SetPool("blue", ["10.16.0.2..10.16.0.3", "10.16.0.100"]);
        Assert.Equal("10.16.0.2", subnet.Allocate(Nic("a") with { Pool = "blue" }).V4());
        Assert.Equal("10.16.0.4", subnet.Allocate(Nic("plain")).V4());
        Assert.Equal("10.16.0.3", subnet.Allocate(Nic("b") with { Pool = "blue" }).V4());
        Assert.Equal("10.16.0.100", subnet.Allocate(Nic("c") with { Pool = "blue" }).V4());
        var ex = Assert.Throws<NoAvailableAddressException>(() => subnet.Allocate(Nic("d") with { Pool = "blue" }));
        Assert.Equal("ip_pool: \"blue\" in subnet s1 has no available IPv4 address", ex.Message);
    }

    [Fact]
    public void PoolsMayNotOverlap()
    {
        var subnet = Subnet("10.16.0.0/24");
        subnet.SetPool("blue", ["10.16.0.0/28"]);
        var ex = Assert.Throws<InvalidIpamInputException>(() => subnet.SetPool("red", ["10.16.0.10..10.16.0.20"]));
        Assert.Equal("ippool: \"red\" has conflict IPs with ippool blue", ex.Message);
        subnet.SetPool("red", ["10.16.0.16..10.16.0.20"]);
        Assert.Equal(["blue", "red"], subnet.PoolNames);
    }

    [Fact]
    public void PoolEntriesOutsideTheSubnetAreRejected()
    {
        var subnet = Subnet("10.16.0.0/24");
        var ex = Assert.Throws<AddressOutOfRangeException>(() => subnet.SetPool("blue", ["10.16.0.5", "10.99.0.1"]));
        Assert.Equal("ips[1]: \"10.99.0.1\" is not in subnet s1 cidr 10.16.0.0/24", ex.Message);
    }

    [Fact]
    public void UnknownPoolIsNotFound()
    {
        var subnet = Subnet("10.16.0.0/24");
        var ex = Assert.Throws<IpamNotFoundException>(() => subnet.Allocate(Nic("a") with { Pool = "nope" }));
        Assert.Equal("ip_pool: \"nope\" is not an IP pool of subnet s1", ex.Message);
    }

    [Fact]
    public void AddingAPoolKeepsAddressesAlreadyInUse()
    {
        var subnet = Subnet("10.16.0.0/24");
        subnet.Allocate(Nic("a"));
        subnet.SetPool("blue", ["10.16.0.2..10.16.0.4"]);
        Assert.Equal("10.16.0.3", subnet.Allocate(Nic("b") with { Pool = "blue" }).V4());
        Assert.Equal("10.16.0.2", subnet.FindByNic("a.default")!.V4());
        subnet.RemovePool("blue");
        Assert.Equal("10.16.0.4", subnet.Allocate(Nic("c")).V4());
    }

    [Fact]
    public void IpPoolListGivesFirstEntryNotHeldByAnotherOwner()
    {
        var subnet = Subnet("10.16.0.0/24");
        const string list = "10.16.0.10,10.16.0.11,10.16.0.12";
        Assert.Equal("10.16.0.10", subnet.AllocateFromIpPoolAnnotation(Nic("a"), list, "a", isStatefulSet: false).V4());
        Assert.Equal("10.16.0.11", subnet.AllocateFromIpPoolAnnotation(Nic("b"), list, "b", isStatefulSet: false).V4());
        subnet.ReleaseNic("a.default");
        Assert.Equal("10.16.0.10", subnet.AllocateFromIpPoolAnnotation(Nic("c"), list, "c", isStatefulSet: false).V4());
        // b already holds an entry: it keeps it even though the list has an earlier free entry later.
        subnet.ReleaseNic("c.default");
        Assert.Equal("10.16.0.11", subnet.AllocateFromIpPoolAnnotation(Nic("b"), list, "b", isStatefulSet: false).V4());
        subnet.AllocateFromIpPoolAnnotation(Nic("d"), list, "d", isStatefulSet: false);
        subnet.AllocateFromIpPoolAnnotation(Nic("e"), list, "e", isStatefulSet: false);
        var ex = Assert.Throws<NoAvailableAddressException>(() => subnet.AllocateFromIpPoolAnnotation(Nic("f"), list, "f", isStatefulSet: false));
        Assert.Equal($"ip_pool: \"{list}\" has no address left for default/f in subnet s1", ex.Message);
    }

    [Fact]
    public void IpPoolListSkipsGatewayEntries()
    {
        var subnet = Subnet("10.16.0.0/24");
        Assert.Equal("10.16.0.9", subnet.AllocateFromIpPoolAnnotation(Nic("a"), "10.16.0.1,10.16.0.9", "a", isStatefulSet: false).V4());
    }

    [Fact]
    public void StatefulSetPodTakesTheEntryAtItsOrdinal()
    {
        var subnet = Subnet("10.16.0.0/24");
        const string list = "10.16.0.10, 10.16.0.11, 10.16.0.12";
        Assert.Equal("10.16.0.12", subnet.AllocateFromIpPoolAnnotation(Nic("web-2"), list, "web-2", isStatefulSet: true).V4());
        Assert.Equal("10.16.0.10", subnet.AllocateFromIpPoolAnnotation(Nic("web-0"), list, "web-0", isStatefulSet: true).V4());
        var ex = Assert.Throws<NoAvailableAddressException>(() => subnet.AllocateFromIpPoolAnnotation(Nic("web-3"), list, "web-3", isStatefulSet: true));
        Assert.Contains("has no entry for StatefulSet ordinal 3 of pod web-3", ex.Message, StringComparison.Ordinal);
        subnet.Allocate(Nic("squatter") with { StaticIps = ["10.16.0.11"] });
        var conflict = Assert.Throws<AddressConflictException>(() => subnet.AllocateFromIpPoolAnnotation(Nic("web-1"), list, "web-1", isStatefulSet: true));
        Assert.Equal("default/squatter", conflict.CurrentOwner);
    }

    [Fact]
    public void DualStackIpPoolUsesSemicolonSeparatedPairs()
    {
        var subnet = Subnet("10.16.0.0/24,fd00::/120");
        const string list = "10.16.0.10,fd00::10;10.16.0.11,fd00::11";
        Assert.Equal("10.16.0.11,fd00::11", subnet.AllocateFromIpPoolAnnotation(Nic("db-1"), list, "db-1", isStatefulSet: true).IpAddressAnnotation);
        Assert.Equal("10.16.0.10,fd00::10", subnet.AllocateFromIpPoolAnnotation(Nic("x"), list, "x", isStatefulSet: false).IpAddressAnnotation);
    }

    [Fact]
    public void IpPoolAnnotationNamingAPoolAllocatesFromIt()
    {
        var subnet = Subnet("10.16.0.0/24");
        subnet.SetPool("blue", ["10.16.0.200..10.16.0.201"]);
        Assert.Equal("10.16.0.200", subnet.AllocateFromIpPoolAnnotation(Nic("a"), "blue", "a", isStatefulSet: false).V4());
        var ex = Assert.Throws<IpamNotFoundException>(() => subnet.AllocateFromIpPoolAnnotation(Nic("b"), "green", "b", isStatefulSet: false));
        Assert.Equal("ip_pool: \"green\" is not an IP pool of subnet s1", ex.Message);
        var bad = Assert.Throws<InvalidIpamInputException>(() => subnet.AllocateFromIpPoolAnnotation(Nic("b"), "10.16.0.5,10.16.0.999", "b", isStatefulSet: false));
        Assert.Equal("ip_pool: \"10.16.0.999\" is not a valid address", bad.Message);
    }
}
