namespace VmNet.Ipam;

/// <summary>
/// IPAM state of one family of one subnet: Reserved (excludeIps + gateway), Using, the pools with their
/// Free/Released sets, and which NIC keys hold each used address (two during a live migration with
/// conflict checking off). Not thread-safe: <see cref="SubnetIpam"/> serialises access.
/// </summary>
internal sealed class FamilyState
{
    private readonly Dictionary<UInt128, KeySet> _holders = [];
    private readonly Dictionary<string, AddressPool> _pools = new(StringComparer.Ordinal);

    public FamilyState(FamilyDefinition definition, IReadOnlyDictionary<string, IReadOnlyList<IpRange>> namedPools)
    {
        Definition = definition;
        foreach (var range in definition.Excluded)
        {
            Reserved.AddRange(range.Start, range.End);
        }

        Reserved.Add(definition.Gateway.Value);
        SetPools(namedPools);
    }

    public FamilyDefinition Definition { get; }

    public IpFamily Family => Definition.Family;

    public IntervalSet Reserved { get; } = new();

    public IntervalSet Using { get; } = new();

    public IEnumerable<AddressPool> Pools => _pools.Values;

    public UInt128 AvailableCount => _pools.Values.Aggregate(UInt128.Zero, (sum, p) => sum + p.AvailableCount);

    public IEnumerable<string> HoldersOf(UInt128 value) =>
        _holders.TryGetValue(value, out var holders) ? holders.Keys : [];

    public AddressPool? FindPool(string name) => _pools.GetValueOrDefault(name);

    public AddressPool PoolOf(UInt128 value)
    {
        foreach (var pool in _pools.Values)
        {
            if (pool.Name.Length > 0 && pool.Range.Contains(value))
            {
                return pool;
            }
        }

        return _pools[string.Empty];
    }

    /// <summary>Marks <paramref name="value"/> used; returns where it came from so the caller can undo.</summary>
    public AddressOrigin MarkUsing(UInt128 value)
    {
        if (!Using.Add(value))
        {
            return AddressOrigin.None;
        }

        return PoolOf(value).Take(value);
    }

    public void UndoUsing(UInt128 value, AddressOrigin origin)
    {
        Using.Remove(value);
        PoolOf(value).PutBack(value, origin);
    }

    /// <summary>Returns an address nobody holds any more to its pool's Released set (unless reserved).</summary>
    public void Release(UInt128 value)
    {
        if (Using.Remove(value) && !Reserved.Contains(value))
        {
            PoolOf(value).Released.Add(value);
        }
    }

    public void AddHolder(UInt128 value, string nicKey)
    {
        ref var holders = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_holders, value, out _);
        holders.Add(nicKey);
    }

    /// <summary>Removes a holder; returns true when the address has no holder left.</summary>
    public bool RemoveHolder(UInt128 value, string nicKey)
    {
        ref var holders = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrNullRef(_holders, value);
        if (System.Runtime.CompilerServices.Unsafe.IsNullRef(ref holders))
        {
            return true;
        }

        holders.Remove(nicKey);
        if (!holders.IsEmpty)
        {
            return false;
        }

        _holders.Remove(value);
        return true;
    }

    /// <summary>Replaces the named pools (ranges must lie in the usable range and not overlap).</summary>
    public void SetPools(IReadOnlyDictionary<string, IReadOnlyList<IpRange>> namedPools)
    {
        var released = new IntervalSet();
        foreach (var pool in _pools.Values)
        {
            released.UnionWith(pool.Released);
        }

        _pools.Clear();
        var usable = Definition.Cidr.Usable;
        var defaultRange = new IntervalSet();
        defaultRange.AddRange(usable.Start, usable.End);
        foreach (var (name, ranges) in namedPools)
        {
            var range = new IntervalSet();
            foreach (var r in ranges.Where(r => r.Family == Family))
            {
                range.AddRange(r.Start, r.End);
            }

            defaultRange.ExceptWith(range);
            _pools[name] = new AddressPool(name, range);
        }

        _pools[string.Empty] = new AddressPool(string.Empty, defaultRange);
        foreach (var pool in _pools.Values)
        {
            pool.Recompute(Reserved, Using, released);
        }
    }
}
