using System.Net.Sockets;
using VmNet.Daemon.Netlink.Protocol;

namespace VmNet.Daemon.Netlink;

public sealed partial class RouteNetlinkClient
{
    /// <summary>Adds a route; EEXIST when an equal route exists.</summary>
    public Task AddRouteAsync(RouteSpec route, CancellationToken cancellationToken) =>
        ChangeRouteAsync(RouteMessages.Mode.Add, "RTM_NEWROUTE", route, cancellationToken);

    /// <summary>Adds the route or replaces the one with the same destination, table and metric.</summary>
    public Task ReplaceRouteAsync(RouteSpec route, CancellationToken cancellationToken) =>
        ChangeRouteAsync(RouteMessages.Mode.Replace, "RTM_NEWROUTE replace", route, cancellationToken);

    /// <summary>Deletes a matching route; ESRCH when there is none.</summary>
    public Task DeleteRouteAsync(RouteSpec route, CancellationToken cancellationToken) =>
        ChangeRouteAsync(RouteMessages.Mode.Delete, "RTM_DELROUTE", route, cancellationToken);

    /// <summary>Routes of <paramref name="family"/> in <paramref name="table"/> (all tables when null).</summary>
    public async Task<IReadOnlyList<RouteInfo>> ListRoutesAsync(AddressFamily family, uint? table, CancellationToken cancellationToken)
    {
        var replies = await ExchangeAsync(RouteMessages.Dump(family), NetlinkSocket.ReplyKind.Dump, "RTM_GETROUTE dump", cancellationToken).ConfigureAwait(false);
        return replies
            .Where(m => m.Type == NlMsgType.NewRoute)
            .Select(RouteMessages.Parse)
            .Where(r => table is null || r.Table == table)
            .ToList();
    }

    private async Task ChangeRouteAsync(RouteMessages.Mode mode, string verb, RouteSpec route, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(route);
        int? index = route.InterfaceName is null ? null : await ResolveIndexAsync(route.InterfaceName, cancellationToken).ConfigureAwait(false);
        if (index is null && route.Gateway is null)
        {
            throw new ArgumentException($"route {route} needs a gateway or an interface", nameof(route));
        }

        await AcknowledgedAsync(RouteMessages.Build(mode, route, index), $"{verb} {route}", cancellationToken).ConfigureAwait(false);
    }
}
