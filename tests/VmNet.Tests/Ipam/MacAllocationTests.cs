using VmNet.Ipam;
using static VmNet.Tests.Ipam.IpamTestSupport;

namespace VmNet.Tests.Ipam;

public class MacAllocationTests
{
    [Fact]
    public void GeneratedMacsAreLocallyAdministeredUnicastAndUnique()
    {
        var subnet = Subnet("10.16.0.0/20");
        var macs = Enumerable.Range(0, 2000).Select(i => subnet.Allocate(Nic($"p{i}")).Mac!.Value).ToList();
        Assert.All(macs, m => Assert.True(m.IsLocallyAdministered && !m.IsMulticast));
        Assert.Equal(macs.Count, macs.Distinct().Count());
    }

    [Fact]
    public void SeededRandomSourceMakesMacsDeterministic()
    {
        var first = Subnet("10.16.0.0/24").Allocate(Nic("a")).Mac;
        var second = Subnet("10.16.0.0/24").Allocate(Nic("a")).Mac;
        Assert.Equal(first, second);
    }

    /// <summary>A random source that repeats values, to show collisions are retried.</summary>
    private sealed class RepeatingRandom(params byte[][] sequence) : Random
    {
        private int _next;

        public override void NextBytes(Span<byte> buffer) => sequence[Math.Min(_next++, sequence.Length - 1)].CopyTo(buffer);
    }

    [Fact]
    public void GeneratorRetriesUsedAndGatewayMacs()
    {
        byte[] used = [0x02, 0, 0, 0, 0, 0x10];
        byte[] gateway = [0x02, 0, 0, 0, 0, 0x01];
        byte[] fresh = [0x03, 0, 0, 0, 0, 0x20]; // multicast bit set: the generator must clear it
        var generator = new MacGenerator(new RepeatingRandom(used, gateway, fresh));
        var subnet = new SubnetIpam(new SubnetSpec("s1", "10.16.0.0/24") { GatewayMac = "02:00:00:00:00:01" }, generator);
        subnet.Allocate(Nic("a") with { StaticMac = "02:00:00:00:00:10" });
        Assert.Equal("02:00:00:00:00:20", subnet.Allocate(Nic("b")).Mac.ToString());
    }

    [Fact]
    public void VmKeepsItsMacAcrossReallocationOfItsIp()
    {
        var subnet = Subnet("10.16.0.0/24,fd00::/120");
        var original = subnet.Allocate(Nic("vm1") with { Family = IpFamily.V4 });
        var dual = subnet.Allocate(Nic("vm1"));
        Assert.Equal(original.Mac, dual.Mac);
        Assert.Equal(original.V4, dual.V4);
    }
}
