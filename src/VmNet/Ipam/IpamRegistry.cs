using System.Collections.Concurrent;

namespace VmNet.Ipam;

/// <summary>
/// The controller's IPAM: all subnets by name. The IP custom resources are the source of truth, so the
/// registry is filled at start with <see cref="Rebuild"/> before any allocation.
/// Thread-safety: safe for concurrent use by several reconcile workers. The subnet map is a concurrent
/// dictionary; each <see cref="SubnetIpam"/> has its own lock, so operations on one subnet are
/// serialised and operations on different subnets run in parallel. Cross-subnet lookups visit subnets
/// one at a time and see each subnet consistently, not a global snapshot.
/// </summary>
public sealed class IpamRegistry(MacGenerator? macGenerator = null)
{
    private readonly ConcurrentDictionary<string, SubnetIpam> _subnets = new(StringComparer.Ordinal);
    private readonly MacGenerator _macGenerator = macGenerator ?? new MacGenerator();
    private readonly Lock _subnetChangeLock = new();

    public IReadOnlyCollection<string> SubnetNames => [.. _subnets.Keys.Order(StringComparer.Ordinal)];

    /// <summary>Adds a subnet, or updates it in place (see <see cref="SubnetIpam.Update"/>).</summary>
    public SubnetUpdateResult AddOrUpdateSubnet(SubnetSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        lock (_subnetChangeLock)
        {
            if (_subnets.TryGetValue(spec.Name, out var existing))
            {
                return existing.Update(spec);
            }

            _subnets[spec.Name] = new SubnetIpam(spec, _macGenerator);
            return new SubnetUpdateResult(CidrChanged: false, []);
        }
    }

    /// <summary>Forgets a subnet and everything allocated in it.</summary>
    public bool RemoveSubnet(string name)
    {
        lock (_subnetChangeLock)
        {
            return _subnets.TryRemove(name, out _);
        }
    }

    public SubnetIpam? FindSubnet(string name) => _subnets.GetValueOrDefault(name);

    public SubnetIpam GetSubnet(string name) =>
        FindSubnet(name) ?? throw new IpamNotFoundException("subnet", name, "is not a registered subnet");

    public Allocation Allocate(string subnet, AllocationRequest request) => GetSubnet(subnet).Allocate(request);

    public Allocation? FindByNic(string nicKey)
    {
        foreach (var subnet in _subnets.Values)
        {
            if (subnet.FindByNic(nicKey) is { } allocation)
            {
                return allocation;
            }
        }

        return null;
    }

    public IReadOnlyList<Allocation> FindByOwner(string ownerKey) =>
        [.. _subnets.Values.SelectMany(s => s.FindByOwner(ownerKey)).OrderBy(a => a.NicKey, StringComparer.Ordinal)];

    public IReadOnlyList<Allocation> FindByIp(System.Net.IPAddress address) => FindByIp(IpAddr.FromIPAddress(address));

    public IReadOnlyList<Allocation> FindByIp(IpAddr address) =>
        [.. _subnets.Values.SelectMany(s => s.FindByIp(address)).OrderBy(a => a.Subnet, StringComparer.Ordinal)];

    /// <summary>Releases a NIC wherever it is; null when no subnet knows it.</summary>
    public Allocation? ReleaseNic(string nicKey)
    {
        foreach (var subnet in _subnets.Values)
        {
            if (subnet.ReleaseNic(nicKey) is { } released)
            {
                return released;
            }
        }

        return null;
    }

    public IReadOnlyList<Allocation> ReleaseOwner(string ownerKey) =>
        [.. _subnets.Values.SelectMany(s => s.ReleaseOwner(ownerKey))];

    /// <summary>
    /// Re-registers persisted allocations. Must run after the subnets are added and before any
    /// allocation. Records are registered VMs first, then StatefulSets, then the rest, each group in NIC
    /// key order, so the outcome does not depend on listing order. A record whose subnet is unknown,
    /// whose NIC key repeats, or whose address/MAC is invalid, out of range or already held by another
    /// owner is reported and registers nothing.
    /// </summary>
    public RebuildReport Rebuild(IEnumerable<IpamRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        if (_subnets.Values.Any(s => s.NicCount > 0))
        {
            throw new InvalidOperationException("IPAM rebuild must run before any allocation");
        }

        var ordered = records.ToArray();
        var ranks = new Dictionary<IpamRecord, int>(ordered.Length, ReferenceEqualityComparer.Instance);
        for (var i = 0; i < ordered.Length; i++)
        {
            ranks.TryAdd(ordered[i], i);
        }

        Array.Sort(ordered, (x, y) =>
        {
            var byType = PodTypeRank(x.PodType).CompareTo(PodTypeRank(y.PodType));
            if (byType != 0)
            {
                return byType;
            }

            var byNic = string.CompareOrdinal(x.NicKey, y.NicKey);
            return byNic != 0 ? byNic : ranks[x].CompareTo(ranks[y]);
        });
        var conflicts = new List<RebuildConflict>();
        var nicSubnets = new Dictionary<string, string>(StringComparer.Ordinal);
        var registered = 0;
        foreach (var record in ordered)
        {
            if (!_subnets.TryGetValue(record.Subnet ?? string.Empty, out var subnet))
            {
                conflicts.Add(new RebuildConflict(record, $"subnet \"{record.Subnet}\" is not registered", null));
                continue;
            }

            if (nicSubnets.TryGetValue(record.NicKey, out var firstSubnet))
            {
                var holder = FindByNic(record.NicKey)?.OwnerKey;
                conflicts.Add(new RebuildConflict(record, $"NIC \"{record.NicKey}\" is already registered in subnet {firstSubnet}", holder));
                continue;
            }

            var ips = SplitIps(record.Ips);
            if (ips.Count == 0 && subnet.Definition.Families.Count > 0)
            {
                // Registering it would allocate a fresh address during rebuild; the controller re-allocates.
                conflicts.Add(new RebuildConflict(record, $"NIC \"{record.NicKey}\" has no address in subnet {subnet.Name}", null));
                continue;
            }

            try
            {
                subnet.Allocate(new AllocationRequest(record.NicKey, record.OwnerKey)
                {
                    StaticIps = ips,
                    StaticMac = record.Mac,
                    PodType = record.PodType ?? string.Empty,
                    Family = FamilyOfOnly(ips),
                });
                nicSubnets[record.NicKey] = subnet.Name;
                registered++;
            }
            catch (IpamException ex)
            {
                conflicts.Add(new RebuildConflict(record, ex.Message, (ex as AddressConflictException)?.CurrentOwner));
            }
        }

        return new RebuildReport(registered, conflicts);
    }

    private static int PodTypeRank(string? podType) => podType switch
    {
        IpamRecord.VirtualMachine => 0,
        IpamRecord.StatefulSet => 1,
        _ => 2,
    };

    /// <summary>
    /// A record holding only one family of a dual-stack subnet (ip_family) must not gain the other
    /// family during rebuild: that would hand out an address nobody persisted.
    /// </summary>
    private static IpFamily? FamilyOfOnly(IReadOnlyList<string> ips)
    {
        IpFamily? only = null;
        foreach (var ip in ips)
        {
            var family = ip.Contains(':', StringComparison.Ordinal) ? IpFamily.V6 : IpFamily.V4;
            if (only is { } seen && seen != family)
            {
                return null;
            }

            only = family;
        }

        return only;
    }

    /// <summary>IP CR addresses; an entry may itself be a <c>v4,v6</c> pair.</summary>
    private static IReadOnlyList<string> SplitIps(IReadOnlyList<string>? ips)
    {
        if (ips is null || ips.Count == 0)
        {
            return [];
        }

        if (ips.All(ip => !ip.Contains(',', StringComparison.Ordinal) && ip.Trim().Length == ip.Length && ip.Length > 0))
        {
            return ips;
        }

        return [.. ips.SelectMany(AllocationRequest.SplitIpAnnotation)];
    }
}
