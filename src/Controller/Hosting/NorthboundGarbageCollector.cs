using Microsoft.Extensions.Logging;
using VmNet.Controller.Subnets;
using VmNet.Ovsdb.Northbound;
using VmNet.Ovsdb.Operations;
using VmNet.Ovsdb;

namespace VmNet.Controller.Hosting;

/// <summary>What one garbage collection removed.</summary>
public sealed record GcReport(int Switches, int RouterPorts, int SwitchPorts, int Routers, int IpamSubnets)
{
    public int Total => Switches + RouterPorts + SwitchPorts + Routers + IpamSubnets;
}

/// <summary>
/// Removes Northbound rows vmnet made for a Subnet or Vpc that no longer exists, at startup and every
/// <see cref="ControllerOptions.GcInterval"/>. It goes by ownership only (vendor=vmnet plus owner kind
/// and key): rows of other vendors, or without ownership, are never touched, whatever their names.
/// </summary>
public sealed class NorthboundGarbageCollector(ControllerContext context, SubnetAdmission admission)
{
    private readonly ILogger _logger = context.CreateLogger("VmNet.Controller.Gc");

    public async Task<GcReport> CollectAsync(CancellationToken cancellationToken)
    {
        // An unsynced cache would make every owner look deleted.
        if (!context.SubnetInformer.HasSynced || !context.VpcInformer.HasSynced)
        {
            return new GcReport(0, 0, 0, 0, 0);
        }

        var subnets = context.Subnets.List().Select(s => s.Metadata!.Name!).ToHashSet(StringComparer.Ordinal);
        var vpcs = context.VpcInformer.Indexer.List().Select(v => v.Metadata!.Name!).ToHashSet(StringComparer.Ordinal);
        var cache = context.Northbound.Cache;
        var ops = new List<OvsdbOperation>();

        var switches = cache.FindOrphans(LogicalSwitch.Table, OwnerKinds.Subnet, subnets);
        ops.AddRange(switches.Select(s => Ops.Delete(LogicalSwitch.Table, s.Uuid)));
        var deletedSwitches = switches.Select(s => s.Uuid).ToHashSet();

        var routers = cache.FindOrphans(LogicalRouter.Table, OwnerKinds.Vpc, vpcs);
        ops.AddRange(routers.Select(r => Ops.Delete(LogicalRouter.Table, r.Uuid)));
        var deletedRouters = routers.Select(r => r.Uuid).ToHashSet();

        var routerPorts = cache.FindOrphans(LogicalRouterPort.Table, OwnerKinds.Subnet, subnets);
        var allRouters = routerPorts.Count == 0 ? [] : cache.Rows<LogicalRouter>();
        foreach (var port in routerPorts)
        {
            foreach (var router in allRouters.Where(r => !deletedRouters.Contains(r.Uuid) && r.Ports.Contains(port.Uuid)))
            {
                ops.Add(Ops.RemoveFromSet(LogicalRouter.Table, router.Uuid, "ports", port.Uuid));
            }
        }

        var switchPorts = cache.FindOrphans(LogicalSwitchPort.Table, OwnerKinds.Subnet, subnets);
        var allSwitches = switchPorts.Count == 0 ? [] : cache.Rows<LogicalSwitch>();
        foreach (var port in switchPorts)
        {
            foreach (var holder in allSwitches.Where(s => !deletedSwitches.Contains(s.Uuid) && s.Ports.Contains(port.Uuid)))
            {
                ops.Add(Ops.RemoveFromSet(LogicalSwitch.Table, holder.Uuid, "ports", port.Uuid));
            }
        }

        if (ops.Count > 0)
        {
            await context.Northbound.TransactAsync(ops, cancellationToken).ConfigureAwait(false);
        }

        var ipamSubnets = 0;
        foreach (var name in context.Ipam.SubnetNames.Where(n => !subnets.Contains(n)))
        {
            context.Subnets.MarkNotReady(name);
            if (admission.Remove(name))
            {
                ipamSubnets++;
            }
        }

        var report = new GcReport(switches.Count, routerPorts.Count, switchPorts.Count, routers.Count, ipamSubnets);
        if (report.Total > 0)
        {
            _logger.LogInformation(
                "gc removed {Switches} switches, {RouterPorts} router ports, {SwitchPorts} switch ports, {Routers} routers, {Ipam} IPAM subnets of deleted owners",
                report.Switches, report.RouterPorts, report.SwitchPorts, report.Routers, report.IpamSubnets);
        }

        return report;
    }

    /// <summary>Collects every <see cref="ControllerOptions.GcInterval"/> until cancelled (0 disables); a failed run is logged and retried next time.</summary>
    public async Task RunPeriodicAsync(CancellationToken cancellationToken)
    {
        if (context.Options.GcInterval <= TimeSpan.Zero)
        {
            return;
        }

        while (!cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(context.Options.GcInterval, context.Time, cancellationToken).ConfigureAwait(false);
            try
            {
                await CollectAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                _logger.LogWarning(ex, "periodic gc failed; retrying in {Interval}", context.Options.GcInterval);
            }
        }
    }
}
