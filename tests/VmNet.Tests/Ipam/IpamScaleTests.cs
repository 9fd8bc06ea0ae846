using VmNet.Ipam;
using static VmNet.Tests.Ipam.IpamTestSupport;

namespace VmNet.Tests.Ipam;

/// <summary>Complexity is asserted by counting interval-tree node visits, never by wall-clock time.</summary>
public class IpamScaleTests
{
    [Fact]
    public void FillingASlash16CostsTheSamePerAllocationAtTheEndAsAtTheStart()
    {
        var subnet = Subnet("10.16.0.0/16");
        var visits = new long[65_533];
        var previous = subnet.IntervalSetNodeVisits;
        for (var i = 0; i < visits.Length; i++)
        {
            subnet.Allocate(new AllocationRequest($"p{i}.ns", $"ns/p{i}"));
            var now = subnet.IntervalSetNodeVisits;
            visits[i] = now - previous;
            previous = now;
        }

        Assert.Throws<NoAvailableAddressException>(() => subnet.Allocate(Nic("one-too-many")));
        Assert.Equal("10.16.255.254", subnet.FindByNic("p65532.ns")!.V4());
        var first = visits.Take(1_000).Sum();
        var last = visits.TakeLast(1_000).Sum();
        Assert.True(last <= (2 * first) + 1_000, $"last 1000: {last} visits, first 1000: {first}");
        Assert.True(visits.Max() < 500, $"max visits per allocation {visits.Max()}");
    }

    [Fact]
    public void RecyclingAFragmentedSlash16StaysLogarithmic()
    {
        var subnet = Subnet("10.16.0.0/16");
        for (var i = 0; i < 65_533; i++)
        {
            subnet.Allocate(new AllocationRequest($"p{i}.ns", $"ns/p{i}"));
        }

        for (var i = 0; i < 65_533; i += 2)
        {
            subnet.ReleaseNic($"p{i}.ns");
        }

        var before = subnet.IntervalSetNodeVisits;
        const int Reallocations = 32_767;
        for (var i = 0; i < Reallocations; i++)
        {
            subnet.Allocate(new AllocationRequest($"q{i}.ns", $"ns/q{i}"));
        }

        var perAllocation = (subnet.IntervalSetNodeVisits - before) / (double)Reallocations;
        Assert.True(perAllocation < 300, $"{perAllocation} node visits per allocation from 32k released fragments");
        Assert.Equal("10.16.0.2", subnet.FindByNic("q0.ns")!.V4());
        Assert.Equal((UInt128)0, subnet.Usage(IpFamily.V4)!.Available);
    }

    [Fact]
    public void RebuildOfTenThousandRecordsRegistersThemAll()
    {
        var registry = new IpamRegistry(new MacGenerator(new Random(3)));
        registry.AddOrUpdateSubnet(new SubnetSpec("ovn-default", "10.16.0.0/16,fd00:10:16::/64"));
        var records = Enumerable.Range(0, 10_000).Select(i => new IpamRecord(
            "ovn-default", $"p{i}.ns", $"ns/p{i}",
            [new IpAddr(IpFamily.V4, (uint)((10 << 24) | (16 << 16)) + 2 + (uint)(i * 3)).ToString(), $"fd00:10:16::{i + 2:x}"],
            $"02:00:00:{i >> 16:x2}:{(i >> 8) & 0xff:x2}:{i & 0xff:x2}",
            i % 10 == 0 ? IpamRecord.VirtualMachine : "")).ToList();
        var report = registry.Rebuild(records);
        Assert.Empty(report.Conflicts);
        Assert.Equal(10_000, report.Registered);
        Assert.Equal("10.16.0.3", registry.Allocate("ovn-default", Nic("new")).V4());
    }
}
