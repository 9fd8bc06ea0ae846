using System.Diagnostics;
using VmNet.Daemon.Netlink;

namespace VmNet.Daemon.Pods;

/// <summary>
/// The namespace where pre-plugged ports' holding ends wait and, once a pod's interface is attached to them as a
/// passthru macvlan, stay (README "Pre-plugging"). It has no addresses, no routes, no forwarding, IPv6 off and ARP
/// never answered, so the frames a holding end passes to its own stack (a macvlan hands broadcast and multicast to
/// its lower device too) end there, where nothing listens, instead of reaching the node's sockets. A named netns
/// (<c>/run/netns/NAME</c>) that outlives the daemon: attached pods depend on their holding ends.
/// </summary>
public sealed class HoldingNetwork : IDisposable
{
    private static readonly (string Key, string Value)[] Settings =
    [
        ("net/ipv6/conf/all/disable_ipv6", "1"),
        ("net/ipv6/conf/default/disable_ipv6", "1"),
        ("net/ipv4/conf/all/arp_ignore", "8"),
        ("net/ipv4/conf/all/forwarding", "0"),
        ("net/ipv4/conf/default/forwarding", "0"),
    ];

    private HoldingNetwork(NetworkNamespace ns, RouteNetlinkClient links, EthtoolSocket ethtool)
    {
        Namespace = ns;
        Links = links;
        Ethtool = ethtool;
    }

    public NetworkNamespace Namespace { get; }

    public RouteNetlinkClient Links { get; }

    public EthtoolSocket Ethtool { get; }

    /// <summary>The holding namespace's name for a daemon on <paramref name="hostNetns"/> (null: the daemon's own namespace).</summary>
    public static string DefaultName(string? hostNetns) =>
        hostNetns is null ? "vmnet-holding" : Path.GetFileName(hostNetns) + "-hold";

    /// <summary>Opens <c>/run/netns/<paramref name="name"/></c>, creating it (with <c>ip netns add</c>, at start-up only) when missing.</summary>
    public static async Task<HoldingNetwork> OpenOrCreateAsync(string name, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var path = "/var/run/netns/" + name;
        if (!File.Exists(path))
        {
            await CreateAsync(name, cancellationToken).ConfigureAwait(false);
        }

        var ns = NetworkNamespace.Open(path);
        try
        {
            foreach (var (key, value) in Settings)
            {
                await NamespaceSysctl.WriteAsync(ns, key, value, cancellationToken).ConfigureAwait(false);
            }

            var links = await RouteNetlinkClient.OpenInAsync(ns, cancellationToken).ConfigureAwait(false);
            try
            {
                return new HoldingNetwork(ns, links, await EthtoolSocket.OpenInAsync(ns, cancellationToken).ConfigureAwait(false));
            }
            catch
            {
                links.Dispose();
                throw;
            }
        }
        catch
        {
            ns.Dispose();
            throw;
        }
    }

    private static async Task CreateAsync(string name, CancellationToken cancellationToken)
    {
        // iproute2 does what a named netns needs beyond unshare + bind mount (a shared /run/netns mount point).
        var start = new ProcessStartInfo("ip") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in new[] { "netns", "add", name })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not run ip netns add {name}");
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        // Another daemon start may have created it meanwhile: that is fine.
        if (process.ExitCode != 0 && !File.Exists("/var/run/netns/" + name))
        {
            throw new InvalidOperationException($"ip netns add {name} failed ({process.ExitCode}): {(await stderr.ConfigureAwait(false)).Trim()}");
        }
    }

    public void Dispose()
    {
        Links.Dispose();
        Ethtool.Dispose();
        Namespace.Dispose();
    }
}
