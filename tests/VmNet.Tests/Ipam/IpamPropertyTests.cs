using VmNet.Ipam;

namespace VmNet.Tests.Ipam;

/// <summary>
/// Seeded random sequences of allocate / static / shared-static / release, checked step by step against
/// <see cref="NaiveIpamModel"/>: same outcome, same address, and never one address for two owners unless
/// it was shared on purpose (conflict checking off).
/// </summary>
public class IpamPropertyTests
{
    private const int Base = (10 << 24) | (16 << 16); // 10.16.0.0

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void RandomSequencesAgreeWithTheNaiveModel(int seed)
    {
        var random = new Random(seed);
        // 10.16.0.0/26: usable .1-.62, gateway .1, excludes .10-.14 and .40
        var excluded = new HashSet<int>(Enumerable.Range(10, 5).Append(40));
        var subnet = new SubnetIpam(
            new SubnetSpec("s1", "10.16.0.0/26") { ExcludeIps = ["10.16.0.10..10.16.0.14", "10.16.0.40"] },
            new MacGenerator(new Random(seed)));
        var model = new NaiveIpamModel(1, 62, 1, excluded);
        var sharedOnPurpose = new HashSet<int>();
        var outcomes = new HashSet<string>();

        for (var step = 0; step < 4_000; step++)
        {
            var k = random.Next(120);
            var nic = $"n{k}.ns";
            var owner = $"ns/o{k % 100}";
            var request = new AllocationRequest(nic, owner);
            switch (random.Next(10))
            {
                case < 4:
                    Assert.Equal(model.Dynamic(nic, owner), Record(outcomes, Outcome(() => subnet.Allocate(request))));
                    break;
                case < 6:
                {
                    var offset = random.Next(0, 66);
                    var ip = Ip(offset);
                    Assert.Equal(model.Static(nic, owner, offset, checkConflict: true), Record(outcomes, Outcome(() => subnet.Allocate(request with { StaticIps = [ip] }))));
                    break;
                }

                case 6:
                {
                    var offset = random.Next(1, 63);
                    var expected = model.Static(nic, owner, offset, checkConflict: false);
                    Assert.Equal(expected, Outcome(() => subnet.Allocate(request with { StaticIps = [Ip(offset)], CheckConflict = false })));
                    sharedOnPurpose.Add(offset);
                    break;
                }

                default:
                    Assert.Equal(model.Nics.ContainsKey(nic), subnet.ReleaseNic(nic) is not null);
                    model.Release(nic);
                    break;
            }

            AssertAgrees(subnet, model, sharedOnPurpose);
        }

        // The sequence must have exercised every outcome, or it proves little.
        Assert.Equal(["conflict", "none", "ok", "range"], outcomes.Order(StringComparer.Ordinal));
    }

    private static string Record(HashSet<string> outcomes, string outcome)
    {
        outcomes.Add(outcome);
        return outcome;
    }

    private static string Ip(int offset) => new IpAddr(IpFamily.V4, (uint)(Base + offset)).ToString();

    private static string Outcome(Func<Allocation> allocate)
    {
        try
        {
            allocate();
            return "ok";
        }
        catch (NoAvailableAddressException)
        {
            return "none";
        }
        catch (AddressConflictException)
        {
            return "conflict";
        }
        catch (AddressOutOfRangeException)
        {
            return "range";
        }
    }

    private static void AssertAgrees(SubnetIpam subnet, NaiveIpamModel model, HashSet<int> sharedOnPurpose)
    {
        var allocations = subnet.Allocations();
        Assert.Equal(model.Nics.Count, allocations.Count);
        foreach (var allocation in allocations)
        {
            var expected = model.Nics[allocation.NicKey];
            Assert.Equal(expected.Owner, allocation.OwnerKey);
            Assert.Equal(expected.Ip, allocation.V4 is { } v4 ? (int)(uint)v4.Value - Base : null);
        }

        foreach (var group in allocations.Where(a => a.V4 is not null).GroupBy(a => a.V4!.Value))
        {
            var owners = group.Select(a => a.OwnerKey).Distinct().Count();
            Assert.True(owners == 1 || sharedOnPurpose.Contains((int)(uint)group.Key.Value - Base), $"{group.Key} held by {owners} owners");
        }

        var macs = allocations.Select(a => a.Mac).ToList();
        Assert.Equal(macs.Count, macs.Distinct().Count());
        Assert.Equal((UInt128)model.Available, subnet.Usage(IpFamily.V4)!.Available);
    }
}
