using System.Net.Sockets;
using VmNet.Daemon.Netlink;

namespace VmNet.Daemon.Node;

/// <summary>What one route sync changed.</summary>
public sealed record HostRouteChanges(IReadOnlyList<RouteSpec> Added, IReadOnlyList<RouteInfo> Removed)
{
    public bool Any => Added.Count > 0 || Removed.Count > 0;
}

/// <summary>
/// Makes the main table's routes through ovn0 equal a plan, through rtnetlink. ovn0 is the daemon's own
/// device, so every gateway route through it that the plan no longer lists is stale and removed; the
/// kernel's connected routes (link scope) are left alone.
/// </summary>
public sealed class HostRouteSync(RouteNetlinkClient links)
{
    private const byte ScopeUniverse = 0;
    private const byte TypeUnicast = 1;
    private const int Esrch = 3;

    /// <summary>Ensures the on-link join routes exist (a connected route of the same prefix counts).</summary>
    public async Task<IReadOnlyList<RouteSpec>> EnsureOnLinkAsync(IReadOnlyList<RouteSpec> joinRoutes, string device, CancellationToken cancellationToken)
    {
        var index = (await links.GetLinkAsync(device, cancellationToken).ConfigureAwait(false)).Index;
        var added = new List<RouteSpec>();
        foreach (var route in joinRoutes)
        {
            var present = await ListAsync(route.Family, index, cancellationToken).ConfigureAwait(false);
            if (!present.Any(r => r.Destination == route.Destination && r.Gateway is null))
            {
                await links.ReplaceRouteAsync(route, cancellationToken).ConfigureAwait(false);
                added.Add(route);
            }
        }

        return added;
    }

    /// <summary>Adds the planned gateway routes that are missing and removes the gateway routes through <paramref name="device"/> that are not planned.</summary>
    public async Task<HostRouteChanges> SyncGatewayRoutesAsync(IReadOnlyList<RouteSpec> planned, string device, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(planned);
        var index = (await links.GetLinkAsync(device, cancellationToken).ConfigureAwait(false)).Index;
        var present = new List<RouteInfo>();
        foreach (var family in new[] { AddressFamily.InterNetwork, AddressFamily.InterNetworkV6 })
        {
            present.AddRange((await ListAsync(family, index, cancellationToken).ConfigureAwait(false))
                .Where(r => r.Gateway is not null && r.Scope == ScopeUniverse && r.Type == TypeUnicast && r.Destination is not null));
        }

        var added = new List<RouteSpec>();
        foreach (var route in planned)
        {
            if (!present.Any(r => r.Destination == route.Destination && Equals(r.Gateway, route.Gateway)))
            {
                await links.ReplaceRouteAsync(route, cancellationToken).ConfigureAwait(false);
                added.Add(route);
            }
        }

        var removed = new List<RouteInfo>();
        foreach (var stale in present.Where(r => !planned.Any(p => p.Destination == r.Destination && Equals(p.Gateway, r.Gateway))))
        {
            try
            {
                await links.DeleteRouteAsync(new RouteSpec { Destination = stale.Destination, Gateway = stale.Gateway, InterfaceName = device, Metric = stale.Metric }, cancellationToken).ConfigureAwait(false);
                removed.Add(stale);
            }
            catch (KernelNetworkException e) when (e.Errno == Esrch)
            {
                // Gone meanwhile.
            }
        }

        return new HostRouteChanges(added, removed);
    }

    private async Task<IReadOnlyList<RouteInfo>> ListAsync(AddressFamily family, int index, CancellationToken cancellationToken) =>
        (await links.ListRoutesAsync(family, RouteSpec.MainTable, cancellationToken).ConfigureAwait(false))
            .Where(r => r.OutputInterfaceIndex == index)
            .ToArray();
}
