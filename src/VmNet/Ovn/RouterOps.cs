using VmNet.Ovsdb.Northbound;
using VmNet.Ovsdb.Operations;
using VmNet.Ovsdb.Values;

namespace VmNet.Ovn;

/// <summary>Pure builders for a VPC's Logical_Router, found and kept by ownership.</summary>
public static class RouterOps
{
    /// <summary>
    /// Operations that make the owner have exactly one router named <paramref name="name"/> with
    /// <paramref name="externalIds"/> (plus ownership). <paramref name="owned"/> are the routers the owner has now.
    /// </summary>
    public static IReadOnlyList<OvsdbOperation> Ensure(IReadOnlyList<LogicalRouter> owned, string name, IReadOnlyDictionary<string, string> externalIds, Ovsdb.Ownership owner)
    {
        ArgumentNullException.ThrowIfNull(owned);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(externalIds);
        ArgumentNullException.ThrowIfNull(owner);
        var ops = new List<OvsdbOperation>();
        ops.AddRange(owned.Skip(1).Select(r => Ops.Delete(LogicalRouter.Table, r.Uuid)));
        var existing = owned.FirstOrDefault();
        if (existing is null)
        {
            ops.AddRange(NorthboundOps.CreateLogicalRouter(new LogicalRouter { Name = name, ExternalIds = externalIds }, owner).Ops);
            return ops;
        }

        var ids = owner.ToExternalIds(externalIds);
        if (existing.Name != name || !SubnetTopologyOps.MapEquals(existing.ExternalIds, ids))
        {
            ops.Add(Ops.Update(LogicalRouter.Table, existing.Uuid, new Dictionary<string, object?>
            {
                ["name"] = name,
                ["external_ids"] = OvsdbMap.Of(ids),
            }));
        }

        return ops;
    }

    /// <summary>Deletes the routers (their ports, routes and policies are unreferenced and go with them).</summary>
    public static IReadOnlyList<OvsdbOperation> Delete(IEnumerable<LogicalRouter> routers) =>
        routers.Select(r => (OvsdbOperation)Ops.Delete(LogicalRouter.Table, r.Uuid)).ToArray();
}
