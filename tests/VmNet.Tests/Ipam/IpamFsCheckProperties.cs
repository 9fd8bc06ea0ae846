using FsCheck;
using FsCheck.Fluent;
using VmNet.Ipam;

namespace VmNet.Tests.Ipam;

/// <summary>
/// FsCheck-generated (and shrunk, on failure) operation sequences: the interval set agrees with a
/// hash set, and a subnet agrees with <see cref="NaiveIpamModel"/> and never gives one address to two
/// owners.
/// </summary>
public class IpamFsCheckProperties
{
    private const int Base = (192 << 24) | (168 << 16); // 192.168.0.0/27: usable .1-.30, gateway .1

    [Fact]
    public void IntervalSetAgreesWithAHashSet() =>
        Prop.ForAll(ArbMap.Default.ArbFor<Tuple<byte, byte, byte>[]>(), ops =>
        {
            var set = new IntervalSet();
            var model = new SortedSet<int>();
            foreach (var (kind, first, length) in ops)
            {
                int a = first, b = Math.Min(255, first + (length % 8));
                switch (kind % 4)
                {
                    case 0:
                        set.AddRange((UInt128)a, (UInt128)b);
                        model.UnionWith(Enumerable.Range(a, b - a + 1));
                        break;
                    case 1:
                        set.RemoveRange((UInt128)a, (UInt128)b);
                        model.ExceptWith(Enumerable.Range(a, b - a + 1));
                        break;
                    case 2:
                        if (set.TryTakeLowest(out var lowest) != (model.Count > 0) || (model.Count > 0 && lowest != (UInt128)model.Min))
                        {
                            return false;
                        }

                        model.Remove(model.Count > 0 ? model.Min : -1);
                        break;
                    default:
                        if (set.Remove((UInt128)a) != model.Remove(a))
                        {
                            return false;
                        }

                        break;
                }
            }

            var members = set.Intervals().SelectMany(i => Enumerable.Range((int)i.Start, (int)(i.End - i.Start + 1)));
            return set.Count == (UInt128)model.Count && members.SequenceEqual(model);
        }).QuickCheckThrowOnFailure();

    [Fact]
    public void SubnetAgreesWithTheNaiveModelAndNeverDoubleAssigns() =>
        Prop.ForAll(ArbMap.Default.ArbFor<Tuple<byte, byte, byte>[]>(), ops =>
        {
            var subnet = new SubnetIpam(new SubnetSpec("p", "192.168.0.0/27") { ExcludeIps = ["192.168.0.5..192.168.0.6"] }, new MacGenerator(new Random(1)));
            var model = new NaiveIpamModel(1, 30, 1, new HashSet<int> { 5, 6 });
            foreach (var (kind, nicIndex, offsetByte) in ops)
            {
                var nic = $"n{nicIndex % 40}.ns";
                var owner = $"ns/o{nicIndex % 40}";
                var offset = offsetByte % 34;
                var request = new AllocationRequest(nic, owner);
                var agrees = (kind % 4) switch
                {
                    0 or 1 => model.Dynamic(nic, owner) == Outcome(() => subnet.Allocate(request)),
                    2 => model.Static(nic, owner, offset, checkConflict: true)
                        == Outcome(() => subnet.Allocate(request with { StaticIps = [new IpAddr(IpFamily.V4, (uint)(Base + offset)).ToString()] })),
                    _ => Release(subnet, model, nic),
                };
                if (!agrees)
                {
                    return false;
                }
            }

            var allocations = subnet.Allocations();
            var addresses = allocations.Where(a => a.V4 is not null).Select(a => a.V4!.Value).ToList();
            return allocations.Count == model.Nics.Count
                && addresses.Count == addresses.Distinct().Count()
                && allocations.All(a => model.Nics[a.NicKey].Ip == (a.V4 is { } v4 ? (int)(uint)v4.Value - Base : null))
                && subnet.Usage(IpFamily.V4)!.Available == (UInt128)model.Available;
        }).QuickCheckThrowOnFailure();

    private static bool Release(SubnetIpam subnet, NaiveIpamModel model, string nic)
    {
        var known = model.Nics.ContainsKey(nic);
        model.Release(nic);
        return known == (subnet.ReleaseNic(nic) is not null);
    }

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
}
