namespace VmNet.Ipam;

/// <summary>Named IP pools (Kube-OVN IPPool CRs) and subnet updates.</summary>
public sealed partial class SubnetIpam
{
    public IReadOnlyCollection<string> PoolNames
    {
        get
        {
            lock (_lock)
            {
                return [.. _poolEntries.Keys.Order(StringComparer.Ordinal)];
            }
        }
    }

    /// <summary>
    /// Adds or replaces a named pool. <paramref name="ips"/> are IPPool <c>spec.ips</c> entries: addresses,
    /// <c>a..b</c> ranges or CIDRs, clipped to the subnet's usable range. Pools must not overlap. Addresses
    /// already in use stay with their NICs; free ones move into the pool.
    /// </summary>
    public void SetPool(string name, IReadOnlyList<string> ips)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new InvalidIpamInputException("ippool", name ?? string.Empty, "is not a valid pool name");
        }

        var ranges = ClipPoolRanges(Definition, ips, strict: true);
        lock (_lock)
        {
            foreach (var (other, otherIps) in _poolEntries.Where(p => p.Key != name))
            {
                var otherRanges = ClipPoolRanges(Definition, otherIps, strict: false);
                if (ranges.Any(r => otherRanges.Any(o => o.Family == r.Family && o.Start <= r.End && r.Start <= o.End)))
                {
                    throw new InvalidIpamInputException("ippool", name, $"has conflict IPs with ippool {other}");
                }
            }

            _poolEntries[name] = [.. ips];
            ApplyPools(_families, Definition);
        }
    }

    public bool RemovePool(string name)
    {
        lock (_lock)
        {
            if (!_poolEntries.Remove(name))
            {
                return false;
            }

            ApplyPools(_families, Definition);
            return true;
        }
    }

    /// <summary>
    /// Applies a new spec of this subnet. Unchanged CIDR: allocations are kept, exclusions and gateway
    /// take effect for future allocations (an address that became the gateway is displaced). Changed
    /// CIDR: allocations inside the new usable range are kept, the others are reported as displaced; in
    /// both cases displaced NICs keep their key and MAC so re-allocation gives them a new address only.
    /// </summary>
    public SubnetUpdateResult Update(SubnetSpec spec)
    {
        var definition = SubnetDefinition.Parse(spec);
        if (definition.Name != Name)
        {
            throw new InvalidIpamInputException("name", definition.Name, $"does not match subnet {Name}");
        }

        lock (_lock)
        {
            var cidrChanged = definition.CidrBlock != Definition.CidrBlock;
            var families = definition.Families.ToDictionary(f => f.Family, f => new FamilyState(f, NoPools));
            ApplyPools(families, definition);
            var displaced = new List<DisplacedAddress>();
            foreach (var nic in _nics.Values.OrderBy(n => n.NicKey, StringComparer.Ordinal))
            {
                foreach (var address in nic.ToAllocation(Name).Addresses)
                {
                    var state = families.GetValueOrDefault(address.Family);
                    var reason = state is null || !state.Definition.Cidr.Usable.Contains(address.Value) ? DisplacementReason.OutsideCidr
                        : address == state.Definition.Gateway ? DisplacementReason.GatewayAddress
                        : (DisplacementReason?)null;
                    if (reason is { } why)
                    {
                        nic.Set(address.Family, null);
                        displaced.Add(new DisplacedAddress(nic.NicKey, nic.OwnerKey, address, why));
                        continue;
                    }

                    state!.MarkUsing(address.Value);
                    state.AddHolder(address.Value, nic.NicKey);
                }
            }

            // Keep the recycling order: addresses released before the update stay Released.
            foreach (var (family, state) in families)
            {
                if (_families.TryGetValue(family, out var old))
                {
                    var released = new IntervalSet();
                    foreach (var pool in old.Pools)
                    {
                        released.UnionWith(pool.Released);
                    }

                    foreach (var pool in state.Pools)
                    {
                        pool.Recompute(state.Reserved, state.Using, released);
                    }
                }
            }

            _families = families;
            Definition = definition;
            return new SubnetUpdateResult(cidrChanged, displaced);
        }
    }

    private void ApplyPools(Dictionary<IpFamily, FamilyState> families, SubnetDefinition definition)
    {
        var ranges = _poolEntries.ToDictionary(p => p.Key, p => ClipPoolRanges(definition, p.Value, strict: false), StringComparer.Ordinal);
        foreach (var state in families.Values)
        {
            state.SetPools(ranges);
        }
    }

    /// <summary>
    /// Pool entries clipped to the usable range of their family. Strict (a new pool): an entry with no
    /// usable address in the subnet is an error. Lenient (re-applying after a CIDR change): it is dropped.
    /// </summary>
    private static IReadOnlyList<IpRange> ClipPoolRanges(SubnetDefinition definition, IReadOnlyList<string> ips, bool strict)
    {
        var parsed = IpRangeListParser.Parse(ips, "ips", allowCidr: true);
        var result = new List<IpRange>(parsed.Count);
        for (var i = 0; i < parsed.Count; i++)
        {
            var family = definition[parsed[i].Family];
            var clipped = family is null ? null : IpRangeListParser.Clip(parsed[i], family.Cidr.Usable);
            if (clipped is { } range)
            {
                result.Add(range);
            }
            else if (strict)
            {
                throw new AddressOutOfRangeException($"ips[{i}]", ips[i], $"is not in subnet {definition.Name} cidr {definition.CidrBlock}");
            }
        }

        return result;
    }
}
