using VmNet.Ovsdb.Cache;
using VmNet.Ovsdb.Northbound;
using VmNet.Ovsdb;

namespace VmNet.Ovn;

/// <summary>
/// The Northbound rows one owner (a Subnet) has now, found by ownership only, plus the parents that
/// reference them. Input to <see cref="SubnetTopologyOps"/>.
/// </summary>
public sealed record SubnetTopologyState(
    IReadOnlyList<LogicalSwitch> Switches,
    IReadOnlyList<LogicalRouterPort> RouterPorts,
    IReadOnlyList<LogicalSwitchPort> SwitchPorts,
    IReadOnlyList<LogicalRouter> RoutersHoldingPorts,
    IReadOnlyList<LogicalSwitch> SwitchesHoldingPorts)
{
    public static SubnetTopologyState Empty { get; } = new([], [], [], [], []);

    public bool IsEmpty => Switches.Count == 0 && RouterPorts.Count == 0 && SwitchPorts.Count == 0;

    /// <summary>Reads the rows <paramref name="owner"/> owns from the monitored cache.</summary>
    public static SubnetTopologyState Read(OvsdbCache cache, Ownership owner)
    {
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentNullException.ThrowIfNull(owner);
        var switches = cache.FindOwnedBy(LogicalSwitch.Table, owner).Select(LogicalSwitch.FromRow).ToArray();
        var routerPorts = cache.FindOwnedBy(LogicalRouterPort.Table, owner).Select(LogicalRouterPort.FromRow).ToArray();
        var switchPorts = cache.FindOwnedBy(LogicalSwitchPort.Table, owner).Select(LogicalSwitchPort.FromRow).ToArray();
        var lrpIds = routerPorts.Select(p => p.Uuid).ToHashSet();
        var lspIds = switchPorts.Select(p => p.Uuid).ToHashSet();
        var routers = lrpIds.Count == 0 ? [] : cache.Rows<LogicalRouter>().Where(r => r.Ports.Any(lrpIds.Contains)).ToArray();
        var holders = lspIds.Count == 0 ? [] : cache.Rows<LogicalSwitch>().Where(s => s.Ports.Any(lspIds.Contains)).ToArray();
        return new SubnetTopologyState(switches, routerPorts, switchPorts, routers, holders);
    }
}
