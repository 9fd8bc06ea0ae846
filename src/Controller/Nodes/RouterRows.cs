using VmNet.Ovsdb;
using VmNet.Ovsdb.Cache;
using VmNet.Ovsdb.Northbound;
using VmNet.Ovsdb.Operations;
using VmNet.Ovsdb.Values;

namespace VmNet.Controller.Nodes;

/// <summary>A router policy we want on the cluster router, with its owner and Kube-OVN's external_ids.</summary>
public sealed record DesiredPolicy(long Priority, string Match, string Action, IReadOnlyList<string> Nexthops, Ownership Owner, IReadOnlyDictionary<string, string> ExternalIds);

/// <summary>A static route we want on the cluster router.</summary>
public sealed record DesiredRoute(string IpPrefix, string Nexthop, Ownership Owner, IReadOnlyDictionary<string, string> ExternalIds);

/// <summary>
/// Builds the operations that make the policies and static routes one set of owners holds on a router equal a
/// desired list: rows that match are kept, the others are deleted (detached from the router in the same
/// transaction), missing ones are inserted and attached. No operations when everything matches.
/// </summary>
public static class RouterRows
{
    /// <summary>Operations turning <paramref name="existing"/> (rows those owners hold) into <paramref name="desired"/>.</summary>
    public static List<OvsdbOperation> SyncPolicies(OvsdbCache cache, Guid router, IEnumerable<OvsdbRow> existing, IReadOnlyList<DesiredPolicy> desired)
    {
        ArgumentNullException.ThrowIfNull(cache);
        var wanted = desired.GroupBy(Signature).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var stale = new HashSet<Guid>();
        foreach (var row in existing)
        {
            var policy = LogicalRouterPolicy.FromRow(row);
            var signature = Signature(policy);
            if (!wanted.Remove(signature))
            {
                stale.Add(policy.Uuid);
            }
        }

        var ops = new List<OvsdbOperation>(cache.DeleteRowsOps(LogicalRouterPolicy.Table, stale));
        var inserted = new List<RowRef>();
        foreach (var policy in wanted.Values)
        {
            var name = new NamedUuid("policy_" + Guid.NewGuid().ToString("N"));
            ops.Add(Ops.InsertOwned(
                new LogicalRouterPolicy { Priority = policy.Priority, Match = policy.Match, Action = policy.Action, Nexthops = policy.Nexthops, ExternalIds = policy.ExternalIds },
                policy.Owner,
                name.Name));
            inserted.Add(name);
        }

        if (inserted.Count > 0)
        {
            ops.Add(Ops.AddToSet(LogicalRouter.Table, router, "policies", [.. inserted]));
        }

        return ops;
    }

    /// <summary>Operations turning <paramref name="existing"/> static routes into <paramref name="desired"/>.</summary>
    public static List<OvsdbOperation> SyncRoutes(OvsdbCache cache, Guid router, IEnumerable<OvsdbRow> existing, IReadOnlyList<DesiredRoute> desired)
    {
        ArgumentNullException.ThrowIfNull(cache);
        var wanted = desired.GroupBy(Signature).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var stale = new HashSet<Guid>();
        foreach (var row in existing)
        {
            var route = LogicalRouterStaticRoute.FromRow(row);
            if (!wanted.Remove(Signature(route)))
            {
                stale.Add(route.Uuid);
            }
        }

        var ops = new List<OvsdbOperation>(cache.DeleteRowsOps(LogicalRouterStaticRoute.Table, stale));
        var inserted = new List<RowRef>();
        foreach (var route in wanted.Values)
        {
            var name = new NamedUuid("route_" + Guid.NewGuid().ToString("N"));
            ops.Add(Ops.InsertOwned(new LogicalRouterStaticRoute { IpPrefix = route.IpPrefix, Nexthop = route.Nexthop, ExternalIds = route.ExternalIds }, route.Owner, name.Name));
            inserted.Add(name);
        }

        if (inserted.Count > 0)
        {
            ops.Add(Ops.AddToSet(LogicalRouter.Table, router, "static_routes", [.. inserted]));
        }

        return ops;
    }

    private static string Signature(DesiredPolicy p) =>
        Join(p.Priority.ToString(System.Globalization.CultureInfo.InvariantCulture), p.Match, p.Action, string.Join(',', p.Nexthops.Order(StringComparer.Ordinal)), Ids(p.Owner.ToExternalIds(p.ExternalIds)));

    private static string Signature(LogicalRouterPolicy p) =>
        Join(p.Priority.ToString(System.Globalization.CultureInfo.InvariantCulture), p.Match, p.Action, string.Join(',', p.Nexthops.Order(StringComparer.Ordinal)), Ids(p.ExternalIds));

    private static string Signature(DesiredRoute r) => Join(r.IpPrefix, r.Nexthop, string.Empty, "|", Ids(r.Owner.ToExternalIds(r.ExternalIds)));

    private static string Signature(LogicalRouterStaticRoute r) =>
        // A route someone changed to another policy, table or output port is not ours as we made it: replace it.
        Join(r.IpPrefix, r.Nexthop, r.Policy ?? string.Empty, r.RouteTable + "|" + r.OutputPort, Ids(r.ExternalIds));

    private static string Ids(IReadOnlyDictionary<string, string> ids) =>
        string.Join(';', ids.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key + "=" + p.Value));

    private static string Join(params string[] parts) => string.Join('\u001f', parts);
}
