namespace VmNet.Ipam;

/// <summary>
/// IPAM of one subnet: per family Free/Reserved/Using/Released sets (see <see cref="FamilyState"/>), and
/// the owner maps NIC → addresses + MAC, address → NIC keys, MAC → NIC keys, owner → NIC keys.
/// Thread-safety: every public member takes this subnet's lock, so one subnet is used by one worker at a
/// time while different subnets proceed in parallel. No lock is held while calling out.
/// </summary>
public sealed partial class SubnetIpam
{
    private readonly Lock _lock = new();
    private readonly MacGenerator _macGenerator;
    private readonly Dictionary<string, NicRecord> _nics = new(StringComparer.Ordinal);
    private readonly Dictionary<string, KeySet> _ownerNics = new(StringComparer.Ordinal);
    private readonly Dictionary<MacAddress, KeySet> _macNics = [];
    private readonly Dictionary<string, IReadOnlyList<string>> _poolEntries = new(StringComparer.Ordinal);
    private Dictionary<IpFamily, FamilyState> _families;

    public SubnetIpam(SubnetSpec spec, MacGenerator? macGenerator = null)
        : this(SubnetDefinition.Parse(spec), macGenerator)
    {
    }

    public SubnetIpam(SubnetDefinition definition, MacGenerator? macGenerator = null)
    {
        ArgumentNullException.ThrowIfNull(definition);
        Definition = definition;
        _macGenerator = macGenerator ?? new MacGenerator();
        _families = definition.Families.ToDictionary(f => f.Family, f => new FamilyState(f, NoPools));
    }

    private static IReadOnlyDictionary<string, IReadOnlyList<IpRange>> NoPools { get; } =
        new Dictionary<string, IReadOnlyList<IpRange>>();

    public string Name => Definition.Name;

    public SubnetDefinition Definition { get; private set; }

    public int NicCount
    {
        get
        {
            lock (_lock)
            {
                return _nics.Count;
            }
        }
    }

    /// <summary>Tree nodes visited by this subnet's interval sets; tests assert logarithmic cost with it.</summary>
    internal long IntervalSetNodeVisits
    {
        get
        {
            lock (_lock)
            {
                return _families.Values.Sum(f => f.Reserved.NodeVisits + f.Using.NodeVisits
                    + f.Pools.Sum(p => p.Range.NodeVisits + p.Free.NodeVisits + p.Released.NodeVisits));
            }
        }
    }

    public Allocation? FindByNic(string nicKey)
    {
        lock (_lock)
        {
            return _nics.TryGetValue(nicKey, out var nic) ? nic.ToAllocation(Name) : null;
        }
    }

    public IReadOnlyList<Allocation> FindByOwner(string ownerKey)
    {
        lock (_lock)
        {
            return _ownerNics.TryGetValue(ownerKey, out var keys)
                ? keys.Keys.Order(StringComparer.Ordinal).Select(k => _nics[k].ToAllocation(Name)).ToList()
                : [];
        }
    }

    /// <summary>NICs holding <paramref name="address"/> (two while shared during a live migration).</summary>
    public IReadOnlyList<Allocation> FindByIp(IpAddr address)
    {
        lock (_lock)
        {
            return _families.TryGetValue(address.Family, out var state)
                ? state.HoldersOf(address.Value).Select(k => _nics[k].ToAllocation(Name)).ToList()
                : [];
        }
    }

    /// <summary>Owner key of the NIC holding <paramref name="mac"/> in this subnet, or null.</summary>
    public string? MacOwner(MacAddress mac)
    {
        lock (_lock)
        {
            return _macNics.TryGetValue(mac, out var keys) && keys.First is { } first ? _nics[first].OwnerKey : null;
        }
    }

    public IReadOnlyList<Allocation> Allocations()
    {
        lock (_lock)
        {
            return _nics.Values.OrderBy(n => n.NicKey, StringComparer.Ordinal).Select(n => n.ToAllocation(Name)).ToList();
        }
    }

    public SubnetUsage? Usage(IpFamily family)
    {
        lock (_lock)
        {
            if (!_families.TryGetValue(family, out var state))
            {
                return null;
            }

            var available = new IntervalSet();
            foreach (var pool in state.Pools)
            {
                available.UnionWith(pool.Free);
                available.UnionWith(pool.Released);
            }

            return new SubnetUsage(family, available.Count, state.Using.Count, Describe(family, available), Describe(family, state.Using));
        }
    }

    /// <summary>Allocates (or returns the existing) addresses and MAC of a NIC. All-or-nothing.</summary>
    public Allocation Allocate(AllocationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        lock (_lock)
        {
            return AllocateLocked(request);
        }
    }

    /// <summary>
    /// Allocates from an <c>ip_pool</c> annotation: the name of a pool of this subnet, or a list of
    /// addresses. A StatefulSet pod takes the entry at its ordinal; any other owner the first entry not
    /// held by another owner. A NIC already holding an entry keeps it.
    /// </summary>
    public Allocation AllocateFromIpPoolAnnotation(AllocationRequest request, string annotation, string podName, bool isStatefulSet)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(annotation);
        var value = annotation.Trim();
        lock (_lock)
        {
            if (_poolEntries.ContainsKey(value))
            {
                return AllocateLocked(request with { Pool = value });
            }

            if (IpPoolAnnotation.LooksLikePoolName(value))
            {
                throw new IpamNotFoundException(IpPoolAnnotation.Field, value, $"is not an IP pool of subnet {Name}");
            }

            var entries = IpPoolAnnotation.ParseList(value, Definition.Families.Count == 2);
            if (isStatefulSet)
            {
                var ordinal = IpPoolAnnotation.StatefulSetOrdinal(podName);
                if (ordinal >= entries.Count)
                {
                    throw new NoAvailableAddressException(IpPoolAnnotation.Field, value, $"has no entry for StatefulSet ordinal {ordinal} of pod {podName}");
                }

                return AllocateLocked(request with { StaticIps = entries[ordinal] });
            }

            var held = _nics.TryGetValue(request.NicKey, out var nic) ? nic.ToAllocation(Name).Addresses.ToList() : [];
            var own = entries.FirstOrDefault(e => held.Count > 0 && e.All(a => held.Contains(IpAddr.Parse(a, IpPoolAnnotation.Field))));
            if (own is not null)
            {
                return AllocateLocked(request with { StaticIps = own });
            }

            foreach (var entry in entries)
            {
                if (entry.Any(a => IsHeldByOtherOwner(IpAddr.Parse(a, IpPoolAnnotation.Field), request.OwnerKey)))
                {
                    continue;
                }

                try
                {
                    return AllocateLocked(request with { StaticIps = entry });
                }
                catch (Exception ex) when (ex is AddressConflictException or AddressOutOfRangeException)
                {
                    // Kube-OVN moves on to the next listed entry.
                }
            }

            throw new NoAvailableAddressException(IpPoolAnnotation.Field, value, $"has no address left for {request.OwnerKey} in subnet {Name}");
        }
    }

    /// <summary>Releases a NIC's addresses (to Released) and MAC. Returns what it held, or null.</summary>
    public Allocation? ReleaseNic(string nicKey)
    {
        lock (_lock)
        {
            return ReleaseNicLocked(nicKey);
        }
    }

    /// <summary>Releases every NIC of an owner (pod key) in this subnet.</summary>
    public IReadOnlyList<Allocation> ReleaseOwner(string ownerKey)
    {
        lock (_lock)
        {
            if (!_ownerNics.TryGetValue(ownerKey, out var keys))
            {
                return [];
            }

            return keys.Keys.Order(StringComparer.Ordinal).ToList().Select(k => ReleaseNicLocked(k)!).ToList();
        }
    }

    private static string Describe(IpFamily family, IntervalSet set) =>
        string.Join(',', set.Intervals().Select(i => new IpRange(family, i.Start, i.End).ToString()));

    private bool IsHeldByOtherOwner(IpAddr address, string ownerKey) =>
        _families.TryGetValue(address.Family, out var state)
        && state.HoldersOf(address.Value).Any(k => _nics[k].OwnerKey != ownerKey);

    private Allocation? ReleaseNicLocked(string nicKey)
    {
        if (!_nics.TryGetValue(nicKey, out var nic))
        {
            return null;
        }

        var released = nic.ToAllocation(Name);
        foreach (var address in released.Addresses)
        {
            ReleaseAddress(nic, address, undo: null);
        }

        SetMac(nic, null);
        _nics.Remove(nicKey);
        RemoveOwnerNic(nic);
        return released;
    }

    private void RemoveOwnerNic(NicRecord nic)
    {
        ref var keys = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrNullRef(_ownerNics, nic.OwnerKey);
        if (!System.Runtime.CompilerServices.Unsafe.IsNullRef(ref keys))
        {
            keys.Remove(nic.NicKey);
            if (keys.IsEmpty)
            {
                _ownerNics.Remove(nic.OwnerKey);
            }
        }
    }
}
