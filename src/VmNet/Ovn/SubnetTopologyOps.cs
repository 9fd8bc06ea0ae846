using VmNet.Ovsdb.Northbound;
using VmNet.Ovsdb.Operations;
using VmNet.Ovsdb.Values;

namespace VmNet.Ovn;

/// <summary>
/// Pure builders: from the rows a Subnet owns now (<see cref="SubnetTopologyState"/>) and what it should
/// have (<see cref="SubnetTopologySpec"/>), the operations that get there, meant to be committed as ONE
/// transaction (switch, router port, switch port and their attachments appear or change together).
/// Nothing is emitted when the state already matches, so a reconcile of a settled subnet is free.
/// </summary>
public static class SubnetTopologyOps
{
    public const string RouterPortType = "router";

    /// <summary>Operations that make the subnet's switch and its router port pair on <paramref name="router"/> match <paramref name="spec"/>.</summary>
    public static IReadOnlyList<OvsdbOperation> Ensure(SubnetTopologyState state, SubnetTopologySpec spec, LogicalRouter router, Ovsdb.Ownership owner)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(router);
        ArgumentNullException.ThrowIfNull(owner);
        if (router.Uuid == Guid.Empty)
        {
            throw new ArgumentException($"router {router.Name} is not an existing row", nameof(router));
        }

        var ops = new List<OvsdbOperation>();
        var switchRef = EnsureSwitch(state, spec, owner, ops);
        EnsureRouterPort(state, spec, router, owner, ops);
        EnsureSwitchPort(state, spec, switchRef, owner, ops);
        return ops;
    }

    /// <summary>Operations that remove everything the subnet owns: its switch (its ports go with it) and its router port.</summary>
    public static IReadOnlyList<OvsdbOperation> Delete(SubnetTopologyState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var ops = new List<OvsdbOperation>();
        ops.AddRange(state.Switches.Select(s => Ops.Delete(LogicalSwitch.Table, s.Uuid)));
        var deletedSwitches = state.Switches.Select(s => s.Uuid).ToHashSet();
        foreach (var port in state.SwitchPorts)
        {
            foreach (var holder in state.SwitchesHoldingPorts.Where(s => s.Ports.Contains(port.Uuid) && !deletedSwitches.Contains(s.Uuid)))
            {
                ops.Add(Ops.RemoveFromSet(LogicalSwitch.Table, holder.Uuid, "ports", port.Uuid));
            }
        }

        foreach (var port in state.RouterPorts)
        {
            foreach (var holder in state.RoutersHoldingPorts.Where(r => r.Ports.Contains(port.Uuid)))
            {
                ops.Add(Ops.RemoveFromSet(LogicalRouter.Table, holder.Uuid, "ports", port.Uuid));
            }
        }

        return ops;
    }

    private static RowRef EnsureSwitch(SubnetTopologyState state, SubnetTopologySpec spec, Ovsdb.Ownership owner, List<OvsdbOperation> ops)
    {
        // Duplicates cannot come from our atomic transactions, but a hand-made copy must not linger.
        ops.AddRange(state.Switches.Skip(1).Select(s => Ops.Delete(LogicalSwitch.Table, s.Uuid)));
        var existing = state.Switches.FirstOrDefault();
        if (existing is null)
        {
            var (named, insert) = NorthboundOps.CreateLogicalSwitch(
                new LogicalSwitch { Name = spec.SwitchName, OtherConfig = spec.SwitchOtherConfig, ExternalIds = spec.SwitchExternalIds },
                owner);
            ops.AddRange(insert);
            return named;
        }

        var ids = owner.ToExternalIds(spec.SwitchExternalIds);
        if (existing.Name != spec.SwitchName || !MapEquals(existing.OtherConfig, spec.SwitchOtherConfig) || !MapEquals(existing.ExternalIds, ids))
        {
            ops.Add(Ops.Update(LogicalSwitch.Table, existing.Uuid, new Dictionary<string, object?>
            {
                ["name"] = spec.SwitchName,
                ["other_config"] = OvsdbMap.Of(spec.SwitchOtherConfig),
                ["external_ids"] = OvsdbMap.Of(ids),
            }));
        }

        return existing.Uuid;
    }

    private static void EnsureRouterPort(SubnetTopologyState state, SubnetTopologySpec spec, LogicalRouter router, Ovsdb.Ownership owner, List<OvsdbOperation> ops)
    {
        var existing = state.RouterPorts.FirstOrDefault();
        foreach (var extra in state.RouterPorts.Skip(1))
        {
            DetachFromRouters(state, extra.Uuid, keep: null, ops);
        }

        if (existing is null)
        {
            var (_, insert) = NorthboundOps.CreateLogicalRouterPort(
                router.Uuid,
                new LogicalRouterPort { Name = spec.RouterPortName, Mac = spec.RouterPortMac, Networks = spec.GatewayNetworks },
                owner);
            ops.AddRange(insert);
            return;
        }

        if (existing.Name != spec.RouterPortName || existing.Mac != spec.RouterPortMac || !SetEquals(existing.Networks, spec.GatewayNetworks))
        {
            ops.Add(Ops.Update(LogicalRouterPort.Table, existing.Uuid, new Dictionary<string, object?>
            {
                ["name"] = spec.RouterPortName,
                ["mac"] = spec.RouterPortMac,
                ["networks"] = OvsdbSet.From(spec.GatewayNetworks),
            }));
        }

        if (!router.Ports.Contains(existing.Uuid))
        {
            ops.Add(Ops.AddToSet(LogicalRouter.Table, router.Uuid, "ports", existing.Uuid));
        }

        // A subnet moved to another VPC: its port leaves the old router in the same transaction.
        DetachFromRouters(state, existing.Uuid, keep: router.Uuid, ops);
    }

    private static void EnsureSwitchPort(SubnetTopologyState state, SubnetTopologySpec spec, RowRef switchRef, Ovsdb.Ownership owner, List<OvsdbOperation> ops)
    {
        var desired = new LogicalSwitchPort
        {
            Name = spec.SwitchPortName,
            Type = RouterPortType,
            Addresses = [RouterPortType],
            Options = new Dictionary<string, string> { ["router-port"] = spec.RouterPortName },
        };
        var existing = state.SwitchPorts.FirstOrDefault();
        foreach (var extra in state.SwitchPorts.Skip(1))
        {
            foreach (var holder in state.SwitchesHoldingPorts.Where(s => s.Ports.Contains(extra.Uuid)))
            {
                ops.Add(Ops.RemoveFromSet(LogicalSwitch.Table, holder.Uuid, "ports", extra.Uuid));
            }
        }

        if (existing is null)
        {
            var (_, insert) = NorthboundOps.CreateLogicalSwitchPort(switchRef, desired, owner);
            ops.AddRange(insert);
            return;
        }

        if (existing.Name != desired.Name || existing.Type != desired.Type || !SetEquals(existing.Addresses, desired.Addresses) || !MapEquals(existing.Options, desired.Options))
        {
            ops.Add(Ops.Update(LogicalSwitchPort.Table, existing.Uuid, new Dictionary<string, object?>
            {
                ["name"] = desired.Name,
                ["type"] = desired.Type,
                ["addresses"] = OvsdbSet.From(desired.Addresses),
                ["options"] = OvsdbMap.Of(desired.Options),
            }));
        }

        var attached = switchRef.Atom is Guid switchId && state.SwitchesHoldingPorts.Any(s => s.Uuid == switchId && s.Ports.Contains(existing.Uuid));
        if (!attached)
        {
            ops.Add(new MutateOperation(LogicalSwitch.Table, [new Condition("_uuid", "==", switchRef.Atom)], [Mutation.Insert("ports", OvsdbSet.Of(existing.Uuid))]));
        }
    }

    private static void DetachFromRouters(SubnetTopologyState state, Guid port, Guid? keep, List<OvsdbOperation> ops)
    {
        foreach (var holder in state.RoutersHoldingPorts.Where(r => r.Uuid != keep && r.Ports.Contains(port)))
        {
            ops.Add(Ops.RemoveFromSet(LogicalRouter.Table, holder.Uuid, "ports", port));
        }
    }

    internal static bool MapEquals(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count && a.All(p => b.TryGetValue(p.Key, out var v) && v == p.Value);

    internal static bool SetEquals(IReadOnlyList<string> a, IReadOnlyList<string> b) =>
        a.Count == b.Count && a.ToHashSet(StringComparer.Ordinal).SetEquals(b);
}
