using VmNet.Daemon.Netlink;

namespace VmNet.Daemon.Pods;

/// <summary>
/// The node's own network namespace as the daemon works on it: the daemon's namespace on a real
/// node, or a simulated node's namespace (<see cref="DaemonOptions.HostNetns"/>). Sockets are opened
/// inside it once and stay bound to it.
/// </summary>
public sealed class HostNetwork : IDisposable
{
    private HostNetwork(NetworkNamespace? ns, RouteNetlinkClient links, EthtoolSocket ethtool)
    {
        Namespace = ns;
        Links = links;
        Ethtool = ethtool;
    }

    /// <summary>Null for the daemon's own namespace.</summary>
    public NetworkNamespace? Namespace { get; }

    public RouteNetlinkClient Links { get; }

    public EthtoolSocket Ethtool { get; }

    public static async Task<HostNetwork> OpenAsync(string? netns, CancellationToken cancellationToken)
    {
        if (netns is null)
        {
            return new HostNetwork(null, RouteNetlinkClient.Open(), EthtoolSocket.Open());
        }

        var ns = NetworkNamespace.Open(netns.Contains('/', StringComparison.Ordinal) ? netns : "/var/run/netns/" + netns);
        try
        {
            var links = await RouteNetlinkClient.OpenInAsync(ns, cancellationToken).ConfigureAwait(false);
            var ethtool = await EthtoolSocket.OpenInAsync(ns, cancellationToken).ConfigureAwait(false);
            return new HostNetwork(ns, links, ethtool);
        }
        catch
        {
            ns.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        Links.Dispose();
        Ethtool.Dispose();
        Namespace?.Dispose();
    }
}
