using VmNet.Ipam;

namespace VmNet.Tests.Ipam;

public class RegistryTests
{
    private static IpamRegistry Registry()
    {
        var registry = new IpamRegistry(new MacGenerator(new Random(7)));
        registry.AddOrUpdateSubnet(new SubnetSpec("ovn-default", "10.16.0.0/16,fd00:10:16::/112"));
        registry.AddOrUpdateSubnet(new SubnetSpec("attach", "172.20.0.0/24"));
        return registry;
    }

    [Fact]
    public void RebuildRegistersRecordsAndAllocationContinuesAfterThem()
    {
        var registry = Registry();
        var report = registry.Rebuild(
        [
            new IpamRecord("ovn-default", "vm1.ns1", "ns1/vm1", ["10.16.0.2", "fd00:10:16::2"], "02:00:00:00:00:02", IpamRecord.VirtualMachine),
            new IpamRecord("ovn-default", "web-0.ns1", "ns1/web-0", ["10.16.0.3,fd00:10:16::3"], "02:00:00:00:00:03", IpamRecord.StatefulSet),
            new IpamRecord("attach", "vm1.ns1.attach.ns1.ovn", "ns1/vm1", ["172.20.0.5"], "02:00:00:00:01:05", IpamRecord.VirtualMachine),
        ]);
        Assert.Equal(3, report.Registered);
        Assert.Empty(report.Conflicts);

        // A VM's launcher restart: same NIC key → same IP and MAC.
        var vm = registry.Allocate("ovn-default", new AllocationRequest("vm1.ns1", "ns1/vm1"));
        Assert.Equal("10.16.0.2,fd00:10:16::2", vm.IpAddressAnnotation);
        Assert.Equal("02:00:00:00:00:02", vm.Mac.ToString());
        Assert.Equal("10.16.0.4,fd00:10:16::4", registry.Allocate("ovn-default", new AllocationRequest("p.ns1", "ns1/p")).IpAddressAnnotation);
        Assert.Equal(2, registry.FindByOwner("ns1/vm1").Count);
        Assert.Equal("web-0.ns1", Assert.Single(registry.FindByIp(IpAddr.Parse("fd00:10:16::3", "t"))).NicKey);
        Assert.Equal("ns1/web-0", Assert.Single(registry.FindByIp(System.Net.IPAddress.Parse("10.16.0.3"))).OwnerKey);
        Assert.Equal("attach", registry.FindByNic("vm1.ns1.attach.ns1.ovn")!.Subnet);
    }

    [Fact]
    public void RebuildReportsDuplicatesAndNeverHandsOneIpToTwoOwners()
    {
        var registry = Registry();
        var report = registry.Rebuild(
        [
            new IpamRecord("ovn-default", "pod-a.ns1", "ns1/pod-a", ["10.16.0.7"], "02:00:00:00:00:0a"),
            new IpamRecord("ovn-default", "vm1.ns1", "ns1/vm1", ["10.16.0.7"], "02:00:00:00:00:0b", IpamRecord.VirtualMachine),
            new IpamRecord("ovn-default", "pod-b.ns1", "ns1/pod-b", ["10.16.0.8"], "02:00:00:00:00:0b"),
            new IpamRecord("ovn-default", "vm1.ns1", "ns1/vm1", ["10.16.0.9"], "02:00:00:00:00:0c", IpamRecord.VirtualMachine),
            new IpamRecord("nope", "x.ns1", "ns1/x", ["10.16.0.10"], null),
            new IpamRecord("attach", "y.ns1", "ns1/y", ["10.16.0.11"], null),
            new IpamRecord("ovn-default", "gw.ns1", "ns1/gw", ["10.16.0.1"], null),
            new IpamRecord("ovn-default", "bad.ns1", "ns1/bad", ["10.16.0.300"], null),
            new IpamRecord("ovn-default", "v6only.ns1", "ns1/v6only", ["fd00:10:16::20"], null),
        ]);

        Assert.Equal(2, report.Registered);
        var reasons = report.Conflicts.ToDictionary(c => c.Record.NicKey + "|" + string.Join(',', c.Record.Ips), c => c);
        // The VM record wins 10.16.0.7 whatever the listing order; the pod is reported with the VM as holder.
        Assert.Equal("ns1/vm1", reasons["pod-a.ns1|10.16.0.7"].ConflictingOwner);
        Assert.Equal("ip_address: \"10.16.0.7\" is already allocated to ns1/vm1 in subnet ovn-default", reasons["pod-a.ns1|10.16.0.7"].Reason);
        Assert.Equal("ns1/vm1", reasons["pod-b.ns1|10.16.0.8"].ConflictingOwner); // MAC 0b held by vm1
        Assert.Contains("is already registered in subnet ovn-default", reasons["vm1.ns1|10.16.0.9"].Reason, StringComparison.Ordinal);
        Assert.Equal("subnet \"nope\" is not registered", reasons["x.ns1|10.16.0.10"].Reason);
        Assert.Equal("ip_address: \"10.16.0.11\" is not in subnet attach cidr 172.20.0.0/24", reasons["y.ns1|10.16.0.11"].Reason);
        Assert.Equal("ip_address: \"10.16.0.1\" is the gateway of subnet ovn-default", reasons["gw.ns1|10.16.0.1"].Reason);
        Assert.Equal("ip_address: \"10.16.0.300\" is not a valid address", reasons["bad.ns1|10.16.0.300"].Reason);
        Assert.Equal(7, report.Conflicts.Count);

        Assert.Equal("ns1/vm1", Assert.Single(registry.FindByIp(IpAddr.Parse("10.16.0.7", "t"))).OwnerKey);
        Assert.Empty(registry.FindByIp(IpAddr.Parse("10.16.0.8", "t")));
        // A single-family record of a dual-stack subnet does not gain the other family during rebuild.
        Assert.Null(registry.FindByNic("v6only.ns1")!.V4);
    }

    [Fact]
    public void RebuildAfterAllocationIsRefused()
    {
        var registry = Registry();
        registry.Allocate("attach", new AllocationRequest("a.ns", "ns/a"));
        Assert.Throws<InvalidOperationException>(() => registry.Rebuild([]));
    }

    [Fact]
    public void RebuildIsIndependentOfRecordOrder()
    {
        var records = Enumerable.Range(0, 200)
            .Select(i => new IpamRecord("attach", $"p{i}.ns", $"ns/p{i}", [$"172.20.0.{(i % 100) + 2}"], null, i % 3 == 0 ? IpamRecord.StatefulSet : ""))
            .ToList();
        var first = Registry();
        var second = Registry();
        var reportA = first.Rebuild(records);
        var reportB = second.Rebuild(Enumerable.Reverse(records));
        Assert.Equal(100, reportA.Registered);
        Assert.Equal(100, reportA.Conflicts.Count);
        Assert.Equal(
            reportA.Conflicts.Select(c => c.Record.NicKey).Order(StringComparer.Ordinal),
            reportB.Conflicts.Select(c => c.Record.NicKey).Order(StringComparer.Ordinal));
        var owners = first.FindSubnet("attach")!.Allocations().Select(a => a.V4).ToList();
        Assert.Equal(owners.Count, owners.Distinct().Count());
    }

    [Fact]
    public void UnknownSubnetIsNotFoundAndRemovedSubnetForgetsItsNics()
    {
        var registry = Registry();
        var ex = Assert.Throws<IpamNotFoundException>(() => registry.Allocate("nope", new AllocationRequest("a.ns", "ns/a")));
        Assert.Equal("subnet: \"nope\" is not a registered subnet", ex.Message);
        registry.Allocate("attach", new AllocationRequest("a.ns", "ns/a"));
        Assert.True(registry.RemoveSubnet("attach"));
        Assert.Null(registry.FindByNic("a.ns"));
        Assert.Equal(["ovn-default"], registry.SubnetNames);
    }

    [Fact]
    public async Task ConcurrentWorkersNeverShareAnAddress()
    {
        var registry = Registry();
        var workers = Enumerable.Range(0, 8).Select(w => Task.Run(() =>
        {
            for (var i = 0; i < 500; i++)
            {
                var key = $"p{w}-{i}.ns";
                var subnet = i % 2 == 0 ? "ovn-default" : "attach";
                if (subnet == "attach" && i > 60)
                {
                    continue;
                }

                registry.Allocate(subnet, new AllocationRequest(key, $"ns/p{w}-{i}"));
                if (i % 5 == 0)
                {
                    registry.ReleaseNic(key);
                }
            }
        }));
        await Task.WhenAll(workers);
        foreach (var name in registry.SubnetNames)
        {
            var allocations = registry.FindSubnet(name)!.Allocations();
            var v4 = allocations.Select(a => a.V4).ToList();
            Assert.Equal(v4.Count, v4.Distinct().Count());
            var macs = allocations.Select(a => a.Mac).ToList();
            Assert.Equal(macs.Count, macs.Distinct().Count());
        }

        Assert.Equal(8 * 200, registry.FindSubnet("ovn-default")!.NicCount);
    }
}
