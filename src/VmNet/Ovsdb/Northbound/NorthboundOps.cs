using VmNet.Ovsdb.Operations;
using VmNet.Ovsdb.Values;

namespace VmNet.Ovsdb.Northbound;

/// <summary>
/// Composable OVN Northbound changes. Each returns operations (and the named uuid of the row it
/// inserts) so a caller can create a switch, its ports and their attachment in one transaction.
/// </summary>
public static class NorthboundOps
{
    public static (NamedUuid Ref, IReadOnlyList<OvsdbOperation> Ops) CreateLogicalSwitch(LogicalSwitch logicalSwitch, Ownership owner)
    {
        var named = NewName("ls");
        return (named, [Ops.InsertOwned(logicalSwitch, owner, named.Name)]);
    }

    /// <summary>Inserts a port and attaches it to the switch's <c>ports</c> (the switch may be inserted in the same transaction).</summary>
    public static (NamedUuid Ref, IReadOnlyList<OvsdbOperation> Ops) CreateLogicalSwitchPort(RowRef logicalSwitch, LogicalSwitchPort port, Ownership owner)
    {
        var named = NewName("lsp");
        return (named, [Ops.InsertOwned(port, owner, named.Name), AttachToSet(LogicalSwitch.Table, logicalSwitch, "ports", named)]);
    }

    /// <summary>Inserts many ports and attaches them all with a single mutate of the switch's <c>ports</c>.</summary>
    public static IReadOnlyList<OvsdbOperation> CreateLogicalSwitchPorts(RowRef logicalSwitch, IEnumerable<(LogicalSwitchPort Port, Ownership Owner)> ports)
    {
        var ops = new List<OvsdbOperation>();
        var refs = new List<NamedUuid>();
        foreach (var (port, owner) in ports)
        {
            var named = NewName("lsp");
            refs.Add(named);
            ops.Add(Ops.InsertOwned(port, owner, named.Name));
        }

        if (refs.Count > 0)
        {
            ops.Add(new MutateOperation(LogicalSwitch.Table, [new Condition("_uuid", "==", logicalSwitch.Atom)], [Mutation.Insert("ports", OvsdbSet.From(refs))]));
        }

        return ops;
    }

    /// <summary>Detaches a port from its switch; OVN then drops the unreferenced port row.</summary>
    public static IReadOnlyList<OvsdbOperation> DeleteLogicalSwitchPort(Guid logicalSwitch, Guid port) =>
        [Ops.RemoveFromSet(LogicalSwitch.Table, logicalSwitch, "ports", port)];

    public static (NamedUuid Ref, IReadOnlyList<OvsdbOperation> Ops) CreateLogicalRouter(LogicalRouter router, Ownership owner)
    {
        var named = NewName("lr");
        return (named, [Ops.InsertOwned(router, owner, named.Name)]);
    }

    public static (NamedUuid Ref, IReadOnlyList<OvsdbOperation> Ops) CreateLogicalRouterPort(RowRef router, LogicalRouterPort port, Ownership owner)
    {
        var named = NewName("lrp");
        return (named, [Ops.InsertOwned(port, owner, named.Name), AttachToSet(LogicalRouter.Table, router, "ports", named)]);
    }

    public static (NamedUuid Ref, IReadOnlyList<OvsdbOperation> Ops) AddStaticRoute(RowRef router, LogicalRouterStaticRoute route, Ownership owner)
    {
        var named = NewName("route");
        return (named, [Ops.InsertOwned(route, owner, named.Name), AttachToSet(LogicalRouter.Table, router, "static_routes", named)]);
    }

    public static IReadOnlyList<OvsdbOperation> DeleteLogicalSwitch(Guid logicalSwitch) => [Ops.Delete(LogicalSwitch.Table, logicalSwitch)];

    public static IReadOnlyList<OvsdbOperation> DeleteLogicalRouter(Guid router) => [Ops.Delete(LogicalRouter.Table, router)];

    // A set column of a row inserted in the same transaction cannot be selected by _uuid, so the
    // parent named by uuid-name is mutated through a where on that named uuid.
    private static MutateOperation AttachToSet(string table, RowRef parent, string column, NamedUuid child) =>
        new(table, [new Condition("_uuid", "==", parent.Atom)], [Mutation.Insert(column, OvsdbSet.Of(child))]);

    private static NamedUuid NewName(string prefix) => new($"{prefix}_{Guid.NewGuid():N}");
}
