namespace VmNet.Ipam;

/// <summary>Allocation internals; every method here runs under the subnet lock.</summary>
public sealed partial class SubnetIpam
{
    private const string IpField = "ip_address";
    private const string MacField = "mac_address";

    private static readonly IpFamily[] V4Only = [IpFamily.V4];
    private static readonly IpFamily[] V6Only = [IpFamily.V6];
    private static readonly IpFamily[] BothFamilies = [IpFamily.V4, IpFamily.V6];

    private Allocation AllocateLocked(AllocationRequest request)
    {
        if (string.IsNullOrWhiteSpace(request.NicKey))
        {
            throw new InvalidIpamInputException("nicKey", request.NicKey ?? string.Empty, "must not be empty");
        }

        if (string.IsNullOrWhiteSpace(request.OwnerKey))
        {
            throw new InvalidIpamInputException("ownerKey", request.OwnerKey ?? string.Empty, "must not be empty");
        }

        // Validate everything before the first change, so most failures need no rollback at all.
        var statics = ParseStaticIps(request.StaticIps);
        var families = SelectFamilies(request.Family, statics);
        var staticMac = string.IsNullOrWhiteSpace(request.StaticMac) ? (MacAddress?)null : MacAddress.Parse(request.StaticMac.Trim(), MacField);
        _nics.TryGetValue(request.NicKey, out var existing);
        if (existing is not null && existing.OwnerKey != request.OwnerKey)
        {
            throw new AddressConflictException("nicKey", request.NicKey, $"belongs to {existing.OwnerKey} in subnet {Name}", existing.OwnerKey);
        }

        var poolName = string.IsNullOrEmpty(request.Pool) ? existing?.Pool ?? string.Empty : request.Pool;
        if (poolName.Length > 0 && !_poolEntries.ContainsKey(poolName))
        {
            throw new IpamNotFoundException(IpPoolAnnotation.Field, poolName, $"is not an IP pool of subnet {Name}");
        }

        var undo = new UndoLog();
        try
        {
            var nic = existing ?? CreateNic(request, poolName, undo);
            foreach (var family in families)
            {
                if ((family == IpFamily.V4 ? statics.V4 : statics.V6) is { } address)
                {
                    AssignStatic(nic, address, request.CheckConflict, undo);
                }
                else if (nic.Get(family) is null)
                {
                    AssignDynamic(nic, family, poolName, request.Skip, undo);
                }
            }

            AssignMac(nic, staticMac, request.CheckConflict, undo);
            if (!string.IsNullOrEmpty(request.PodType))
            {
                nic.PodType = request.PodType;
            }

            return nic.ToAllocation(Name);
        }
        catch
        {
            undo.Rollback();
            throw;
        }
    }

    private static (IpAddr? V4, IpAddr? V6) ParseStaticIps(IReadOnlyList<string> texts)
    {
        (IpAddr? V4, IpAddr? V6) statics = default;
        foreach (var text in texts ?? [])
        {
            var address = IpAddr.Parse(text.Trim(), IpField);
            ref var slot = ref address.Family == IpFamily.V4 ? ref statics.V4 : ref statics.V6;
            if (slot is { } other && other != address)
            {
                throw new InvalidIpamInputException(IpField, string.Join(',', texts!), $"has more than one {address.Family.Name()} address");
            }

            slot = address;
        }

        return statics;
    }

    private IpFamily[] SelectFamilies(IpFamily? requested, (IpAddr? V4, IpAddr? V6) statics)
    {
        if (requested is { } only && !_families.ContainsKey(only))
        {
            throw new InvalidIpamInputException("ip_family", only.Name(), $"does not match subnet {Name} protocol {Definition.Protocol}");
        }

        foreach (var address in new[] { statics.V4, statics.V6 })
        {
            if (address is not { } a)
            {
                continue;
            }

            if (!_families.TryGetValue(a.Family, out var state))
            {
                throw new AddressOutOfRangeException(IpField, a.ToString(), $"is not in subnet {Name} cidr {Definition.CidrBlock}");
            }

            var cidr = state.Definition.Cidr;
            if (!cidr.Usable.Contains(a.Value))
            {
                var problem = cidr.Contains(a)
                    ? $"is the network or broadcast address of subnet {Name} cidr {cidr}"
                    : $"is not in subnet {Name} cidr {cidr}";
                throw new AddressOutOfRangeException(IpField, a.ToString(), problem);
            }
        }

        var v4 = _families.ContainsKey(IpFamily.V4) && (requested is null or IpFamily.V4 || statics.V4 is not null);
        var v6 = _families.ContainsKey(IpFamily.V6) && (requested is null or IpFamily.V6 || statics.V6 is not null);
        return v4 && v6 ? BothFamilies : v4 ? V4Only : v6 ? V6Only : [];
    }

    private NicRecord CreateNic(AllocationRequest request, string poolName, UndoLog undo)
    {
        var nic = new NicRecord(request.NicKey, request.OwnerKey, poolName, request.PodType ?? string.Empty);
        _nics.Add(nic.NicKey, nic);
        ref var keys = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_ownerNics, nic.OwnerKey, out _);
        keys.Add(nic.NicKey);
        undo.Add(() =>
        {
            _nics.Remove(nic.NicKey);
            RemoveOwnerNic(nic);
        });
        return nic;
    }

    private void AssignStatic(NicRecord nic, IpAddr address, bool checkConflict, UndoLog undo)
    {
        var state = _families[address.Family];
        if (checkConflict && address == state.Definition.Gateway)
        {
            throw new AddressConflictException(IpField, address.ToString(), $"is the gateway of subnet {Name}", null);
        }

        var previous = nic.Get(address.Family);
        if (previous == address)
        {
            return;
        }

        var otherOwner = state.HoldersOf(address.Value).Select(k => _nics[k].OwnerKey).FirstOrDefault(o => o != nic.OwnerKey);
        if (otherOwner is not null && checkConflict)
        {
            throw new AddressConflictException(IpField, address.ToString(), $"is already allocated to {otherOwner} in subnet {Name}", otherOwner);
        }

        // A changed static address replaces the NIC's previous one of that family (Kube-OVN releases it first).
        if (previous is { } old)
        {
            ReleaseAddress(nic, old, undo);
        }

        var newlyUsing = !state.Using.Contains(address.Value);
        var origin = state.MarkUsing(address.Value);
        state.AddHolder(address.Value, nic.NicKey);
        nic.Set(address.Family, address);
        undo.Add(() =>
        {
            nic.Set(address.Family, null);
            state.RemoveHolder(address.Value, nic.NicKey);
            if (newlyUsing)
            {
                state.UndoUsing(address.Value, origin);
            }
        });
    }

    private void AssignDynamic(NicRecord nic, IpFamily family, string poolName, IReadOnlySet<IpAddr>? skip, UndoLog undo)
    {
        var state = _families[family];
        var pool = state.FindPool(poolName)
            ?? throw new IpamNotFoundException(IpPoolAnnotation.Field, poolName, $"is not an IP pool of subnet {Name}");
        HashSet<UInt128>? skipValues = skip is null ? null : [.. skip.Where(a => a.Family == family).Select(a => a.Value)];
        if (!pool.TryTakeLowest(skipValues, out var value))
        {
            throw poolName.Length == 0
                ? new NoAvailableAddressException("subnet", Name, $"has no available {family.Name()} address")
                : new NoAvailableAddressException(IpPoolAnnotation.Field, poolName, $"in subnet {Name} has no available {family.Name()} address");
        }

        state.Using.Add(value);
        state.AddHolder(value, nic.NicKey);
        var address = new IpAddr(family, value);
        nic.Set(family, address);
        undo.Add(() =>
        {
            nic.Set(family, null);
            state.RemoveHolder(value, nic.NicKey);
            state.Using.Remove(value);
            pool.Free.Add(value);
        });
    }

    private void ReleaseAddress(NicRecord nic, IpAddr address, UndoLog? undo)
    {
        var state = _families.GetValueOrDefault(address.Family);
        var lastHolder = state?.RemoveHolder(address.Value, nic.NicKey) ?? false;
        if (lastHolder)
        {
            state!.Release(address.Value);
        }

        nic.Set(address.Family, null);
        undo?.Add(() =>
        {
            if (lastHolder)
            {
                state!.MarkUsing(address.Value);
            }

            state?.AddHolder(address.Value, nic.NicKey);
            nic.Set(address.Family, address);
        });
    }

    private void AssignMac(NicRecord nic, MacAddress? staticMac, bool checkConflict, UndoLog undo)
    {
        var previous = nic.Mac;
        if (staticMac is { } mac)
        {
            if (mac == Definition.GatewayMac)
            {
                throw new AddressConflictException(MacField, mac.ToString(), $"is the gateway MAC of subnet {Name}", null);
            }

            if (previous == mac)
            {
                return;
            }

            var otherOwner = _macNics.GetValueOrDefault(mac).Keys.Select(k => _nics[k].OwnerKey).FirstOrDefault(o => o != nic.OwnerKey);
            if (otherOwner is not null && checkConflict)
            {
                throw new AddressConflictException(MacField, mac.ToString(), $"is already used by {otherOwner} in subnet {Name}", otherOwner);
            }

            SetMac(nic, mac);
        }
        else if (previous is null)
        {
            // The MAC stays with the NIC key for the NIC's whole life (a VM keeps it across restarts,
            // migrations, static IP changes and CIDR changes); only a fresh NIC gets a new one.
            SetMac(nic, _macGenerator.Generate(m => _macNics.ContainsKey(m) || m == Definition.GatewayMac, Name));
        }
        else
        {
            return;
        }

        undo.Add(() => SetMac(nic, previous));
    }

    private void SetMac(NicRecord nic, MacAddress? mac)
    {
        if (nic.Mac is { } old)
        {
            ref var holders = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrNullRef(_macNics, old);
            if (!System.Runtime.CompilerServices.Unsafe.IsNullRef(ref holders))
            {
                holders.Remove(nic.NicKey);
                if (holders.IsEmpty)
                {
                    _macNics.Remove(old);
                }
            }
        }

        nic.Mac = mac;
        if (mac is { } value)
        {
            ref var keys = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_macNics, value, out _);
            keys.Add(nic.NicKey);
        }
    }
}
