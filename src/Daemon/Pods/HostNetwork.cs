using VmNet.Daemon.Netlink;

namespace VmNet.Daemon.Pods;

/// <summary>
/// The node's own network namespace as the daemon works on it: the daemon's namespace on a real
/// node, or a simulated node's namespace (<see cref="DaemonOptions.HostNetns"/>). Sockets are opened
/// inside it once and stay bound to it.
/// </summary>
public sealed class HostNetwork : IDisposable
{
    private readonly Lazy<Task<HoldingNetwork>> holding;

    private HostNetwork(NetworkNamespace? ns, RouteNetlinkClient links, EthtoolSocket ethtool, string holdingName)
    {
        Namespace = ns;
        Links = links;
        Ethtool = ethtool;
        HoldingName = holdingName;
        holding = new(() => HoldingNetwork.OpenOrCreateAsync(holdingName, CancellationToken.None));
    }

    /// <summary>Name of the namespace where pre-plugged ports' holding ends live (<see cref="HoldingNetwork"/>).</summary>
    public string HoldingName { get; }

    /// <summary>The holding namespace, opened (and created when missing) on first use.</summary>
    public Task<HoldingNetwork> HoldingAsync() => holding.Value;

    /// <summary>Null for the daemon's own namespace.</summary>
    public NetworkNamespace? Namespace { get; }

    public RouteNetlinkClient Links { get; }

    public EthtoolSocket Ethtool { get; }

    /// <param name="holdingNetns">The holding namespace's name; default <see cref="HoldingNetwork.DefaultName"/>.</param>
    public static async Task<HostNetwork> OpenAsync(string? netns, CancellationToken cancellationToken, string? holdingNetns = null)
    {
        var holdingName = holdingNetns ?? HoldingNetwork.DefaultName(netns);
        if (netns is null)
        {
            return new HostNetwork(null, RouteNetlinkClient.Open(), EthtoolSocket.Open(), holdingName);
        }

        var ns = NetworkNamespace.Open(netns.Contains('/', StringComparison.Ordinal) ? netns : "/var/run/netns/" + netns);
        try
        {
            var links = await RouteNetlinkClient.OpenInAsync(ns, cancellationToken).ConfigureAwait(false);
            var ethtool = await EthtoolSocket.OpenInAsync(ns, cancellationToken).ConfigureAwait(false);
            return new HostNetwork(ns, links, ethtool, holdingName);
        }
        catch
        {
            ns.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        if (holding.IsValueCreated && holding.Value.IsCompletedSuccessfully)
        {
            holding.Value.Result.Dispose();
        }

        Links.Dispose();
        Ethtool.Dispose();
        Namespace?.Dispose();
    }
}
