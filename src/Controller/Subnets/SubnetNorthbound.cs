using VmNet.Controller.Hosting;
using VmNet.Ovn;
using VmNet.Ovsdb.Northbound;
using VmNet.Ovsdb;

namespace VmNet.Controller.Subnets;

/// <summary>A Subnet's rows in OVN Northbound, always found through ownership (kind Subnet, key = name).</summary>
public sealed class SubnetNorthbound(ControllerContext context)
{
    private static readonly TimeSpan CacheCatchUp = TimeSpan.FromSeconds(10);

    /// <summary>The MAC of the subnet's router port if it has one (kept across reconciles and restarts).</summary>
    public string? RouterPortMac(string subnet) =>
        context.Northbound.Cache.FindOwnedBy(LogicalRouterPort.Table, SubnetCatalog.SubnetOwnership(subnet))
            .Select(LogicalRouterPort.FromRow)
            .Select(p => p.Mac)
            .FirstOrDefault(m => m.Length > 0);

    /// <summary>The VPC's router (owned by Vpc/name), or null while the Vpc reconciler has not made it.</summary>
    public LogicalRouter? Router(string vpc) =>
        context.Northbound.Cache.FindOwnedBy(LogicalRouter.Table, new Ownership(OwnerKinds.Vpc, vpc))
            .Select(LogicalRouter.FromRow)
            .FirstOrDefault();

    /// <summary>A row named like one we must create that vmnet does not own (we never adopt or overwrite it).</summary>
    public string? ForeignConflict(SubnetTopologySpec spec)
    {
        var owner = SubnetCatalog.SubnetOwnership(spec.SwitchName);
        foreach (var (table, name) in new[]
        {
            (LogicalSwitch.Table, spec.SwitchName),
            (LogicalRouterPort.Table, spec.RouterPortName),
            (LogicalSwitchPort.Table, spec.SwitchPortName),
        })
        {
            if (context.Northbound.Cache.FindByName(table, name).Any(r => Ownership.FromRow(r) != owner))
            {
                return $"{table} {name} already exists in OVN Northbound and is not owned by vmnet Subnet {spec.SwitchName}";
            }
        }

        return null;
    }

    /// <summary>Creates or corrects the switch and router port pair in one transaction; waits until the cache shows the switch.</summary>
    public async Task<int> EnsureAsync(SubnetTopologySpec spec, LogicalRouter router, CancellationToken cancellationToken)
    {
        var owner = SubnetCatalog.SubnetOwnership(spec.SwitchName);
        var cache = context.Northbound.Cache;
        var ops = SubnetTopologyOps.Ensure(SubnetTopologyState.Read(cache, owner), spec, router, owner);
        if (ops.Count == 0)
        {
            return 0;
        }

        await context.Northbound.TransactAsync(ops, cancellationToken).ConfigureAwait(false);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CacheCatchUp);
        await cache.WaitForRowAsync(
            LogicalSwitch.Table,
            r => r.Name == spec.SwitchName && Ownership.FromRow(r) == owner && LogicalSwitch.FromRow(r).Ports.Count > 0,
            timeout.Token).ConfigureAwait(false);
        return ops.Count;
    }

    /// <summary>Makes the subnet's own ACLs on its switch equal <paramref name="desired"/>; returns the number of operations.</summary>
    public async Task<int> EnsureAclsAsync(string subnet, IReadOnlyList<SubnetAclRule> desired, CancellationToken cancellationToken)
    {
        var owner = SubnetCatalog.SubnetOwnership(subnet);
        var cache = context.Northbound.Cache;
        var logicalSwitch = cache.FindOwnedBy(LogicalSwitch.Table, owner).Select(LogicalSwitch.FromRow).FirstOrDefault();
        if (logicalSwitch is null)
        {
            return 0;
        }

        var current = cache.FindOwnedBy(Acl.Table, owner).Select(Acl.FromRow).ToArray();
        var ops = SubnetAcls.Ensure(logicalSwitch, current, desired, owner);
        if (ops.Count > 0)
        {
            await context.Northbound.TransactAsync(ops, cancellationToken).ConfigureAwait(false);
        }

        return ops.Count;
    }

    /// <summary>Deletes the subnet's switch and router port in one transaction; returns the number of operations.</summary>
    public async Task<int> DeleteAsync(string subnet, CancellationToken cancellationToken)
    {
        var ops = SubnetTopologyOps.Delete(SubnetTopologyState.Read(context.Northbound.Cache, SubnetCatalog.SubnetOwnership(subnet)));
        if (ops.Count > 0)
        {
            await context.Northbound.TransactAsync(ops, cancellationToken).ConfigureAwait(false);
        }

        return ops.Count;
    }
}
