using System.Globalization;
using System.Net.NetworkInformation;
using Microsoft.Extensions.Logging;
using VmNet.Daemon.Cni;
using VmNet.Daemon.Ovs;
using VmNet.Kube.Models;
using VmNet.Ovsdb.Vswitch;

namespace VmNet.Daemon.Pods;

/// <summary>
/// Ports plugged before their ADD (README "Pre-plugging"): made from a pod's allocation annotations, found and
/// taken over by the ADD, removed when they no longer match their pod. The OVS interface (marked
/// <c>vmnet.io/pre-plugged=&lt;mac&gt;</c>) and the veth in the node's namespace are the whole state, so a
/// restarted daemon picks them up as they are. One lock per logical port serialises this with the ADD.
/// </summary>
public sealed class PrePlugs(OvsPorts ports, HostNetwork host, DaemonOptions options, ILogger<PrePlugs> logger)
{
    private readonly ContainerLocks locks = new();
    private readonly PodInterfaceConfigurator interfaces = new(host);

    /// <summary>The MTU holding veths are made with; an ADD asking for another one changes it on adoption.</summary>
    public int PreparedMtu => options.EffectivePodMtu;

    public Task<IDisposable> LockAsync(string ifaceId, CancellationToken cancellationToken) =>
        locks.AcquireAsync(ifaceId, cancellationToken);

    /// <inheritdoc cref="Wanted(V1Pod, DaemonOptions, DateTimeOffset)"/>
    public static OvsPortSpec? Wanted(V1Pod pod, DaemonOptions options) => Wanted(pod, options, DateTimeOffset.UtcNow);

    /// <summary>
    /// The port a pod should have waiting, or null: only the primary (<c>ovn</c>) veth NIC of a live, allocated,
    /// non-host-network pod, never a migration target (whose logical port the source VM still uses), and only
    /// until <see cref="DaemonOptions.PrePlugMaxAge"/> after the pod's creation (its port's expiry stamp).
    /// </summary>
    public static OvsPortSpec? Wanted(V1Pod pod, DaemonOptions options, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(pod);
        var meta = pod.Metadata;
        var annotations = meta?.Annotations;
        if (meta?.Name is not { } name || meta.Namespace is not { } ns || meta.DeletionTimestamp is not null
            || pod.Spec?.HostNetwork == true || pod.Status?.Phase is "Succeeded" or "Failed"
            || annotations?.GetValueOrDefault("ovn.kubernetes.io/pod_nic_type") is { } nicType && nicType != "veth-pair")
        {
            return null;
        }

        PodNetwork? network;
        try
        {
            network = PodNetworkParser.TryParse(VmNet.Multus.ProviderNames.Ovn, annotations, out _);
        }
        catch (PodAnnotationException)
        {
            return null;
        }

        if (network is null || network.MigrationTarget || network.Mac.Length == 0)
        {
            return null;
        }

        // Counted from the pod's creation, so a restarted daemon (or a watch event) never gives a pod a fresh age.
        var expires = (meta.CreationTimestamp ?? now) + options.PrePlugMaxAge;
        if (now >= expires)
        {
            return null;
        }

        var ifaceId = PortNames.ForPod(network.VirtualMachine ?? name, ns, network.Provider);
        var ids = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [OvsExternalIds.Vendor] = OvsExternalIds.VendorValue,
            [OvsExternalIds.PodName] = name,
            [OvsExternalIds.PodNamespace] = ns,
            [OvsExternalIds.Provider] = VmNet.Multus.ProviderNames.Ovn,
            [OvsExternalIds.PrePlugged] = network.Mac,
            [OvsExternalIds.PrePlugExpires] = expires.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
        };
        if (network.Addresses.Count > 0)
        {
            ids[OvsExternalIds.Ip] = string.Join(",", network.Addresses.Select(a => a.Address));
        }

        return new OvsPortSpec
        {
            Name = PrePlugNames.HostSide(ifaceId),
            IfaceId = ifaceId,
            ExternalIds = ids,
            Qos = network.Qos,
            PoliceOnOvs = options.DatapathType != "netdev",
        };
    }

    /// <summary>Brings the pod's waiting port in line with its annotations: made, replaced (changed MAC/IP) or removed.</summary>
    public async Task ReconcileAsync(V1Pod pod, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var wanted = Wanted(pod, options);
        foreach (var stale in ForPod(pod.Metadata?.Namespace, pod.Metadata?.Name).Where(i => wanted is null || !Matches(i, wanted)))
        {
            await RemoveAsync(stale, "its pod's allocation changed or it no longer needs one", cancellationToken).ConfigureAwait(false);
        }

        if (wanted is null)
        {
            return;
        }

        using var held = await LockAsync(wanted.IfaceId, cancellationToken).ConfigureAwait(false);
        if (ports.FindInterface(wanted.Name) is { } existing && Matches(existing, wanted)
            && await interfaces.HoldingExistsAsync(wanted.Name, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        // Already attached by an ADD (or another port uses the logical port): nothing to prepare.
        if (ports.IsBound(wanted.IfaceId))
        {
            return;
        }

        var mac = PhysicalAddress.Parse(wanted.ExternalIds[OvsExternalIds.PrePlugged].Replace(':', '-'));
        await interfaces.CreateHoldingAsync(wanted.Name, PrePlugNames.HoldingOf(wanted.Name), mac, PreparedMtu, cancellationToken).ConfigureAwait(false);
        try
        {
            if (!await ports.AddPrePlugAsync(wanted, cancellationToken).ConfigureAwait(false))
            {
                await interfaces.DeleteHoldingAsync(wanted.Name, CancellationToken.None).ConfigureAwait(false);
                return;
            }
        }
        catch
        {
            await interfaces.DeleteHoldingAsync(wanted.Name, CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        logger.LogInformation("pre-plugged {Port} for pod {Namespace}/{Pod} as {HostName}", wanted.IfaceId, pod.Metadata?.Namespace, pod.Metadata?.Name, wanted.Name);
    }

    /// <summary>The pod is gone: its waiting port goes too.</summary>
    public async Task ForgetAsync(string? namespaceName, string? name, CancellationToken cancellationToken)
    {
        foreach (var iface in ForPod(namespaceName, name))
        {
            await RemoveAsync(iface, "its pod was deleted", cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// After a (re)list of the node's pods: removes waiting ports whose pod is not among them, and veths of the
    /// pre-plug naming scheme that have no OVS port (a daemon that died between the two steps).
    /// </summary>
    public async Task SweepAsync(IReadOnlyCollection<V1Pod> pods, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pods);
        var live = pods.Select(p => (p.Metadata?.Namespace, p.Metadata?.Name)).ToHashSet();
        foreach (var iface in ports.PrePluggedInterfaces())
        {
            if (!live.Contains((iface.ExternalIds.GetValueOrDefault(OvsExternalIds.PodNamespace), iface.ExternalIds.GetValueOrDefault(OvsExternalIds.PodName))))
            {
                await RemoveAsync(iface, "its pod no longer exists", cancellationToken).ConfigureAwait(false);
            }
        }

        foreach (var link in await interfaces.ListPrePlugLinksAsync(cancellationToken).ConfigureAwait(false))
        {
            var hostName = link.EndsWith("_p", StringComparison.Ordinal) ? link[..^2] + "_h" : link;
            if (ports.FindInterface(hostName) is null)
            {
                await interfaces.DeleteHoldingAsync(hostName, cancellationToken).ConfigureAwait(false);
                logger.LogInformation("removed stray pre-plug veth {Link}", link);
            }
        }
    }

    /// <summary>
    /// Removes waiting ports past their expiry stamp (a pod that never got its ADD: stuck mounting volumes, or
    /// bound to a node that never starts it). They are not made again: <see cref="Wanted(V1Pod, DaemonOptions, DateTimeOffset)"/>
    /// refuses pods that old, so a late ADD plugs at ADD time. A port without a readable stamp counts as expired.
    /// </summary>
    public async Task<int> ExpireAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var removed = 0;
        foreach (var iface in ports.PrePluggedInterfaces().Where(i => !(ExpiryOf(i) > now)))
        {
            await RemoveAsync(iface, "no ADD came within its pod's pre-plug max age", cancellationToken).ConfigureAwait(false);
            removed++;
        }

        return removed;
    }

    private static DateTimeOffset? ExpiryOf(Interface iface) =>
        long.TryParse(iface.ExternalIds.GetValueOrDefault(OvsExternalIds.PrePlugExpires), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;

    /// <summary>
    /// For an ADD (holding <see cref="LockAsync"/>): the waiting port for <paramref name="ifaceId"/> when it was made
    /// for exactly this MAC and these addresses; else null (the ADD plugs anew).
    /// </summary>
    public async Task<Interface?> FindForAddAsync(string ifaceId, string mac, string? ips, CancellationToken cancellationToken)
    {
        var iface = ports.PrePluggedInterfaces().FirstOrDefault(i => i.ExternalIds.GetValueOrDefault(OvsExternalIds.IfaceId) == ifaceId);
        if (iface is null)
        {
            return null;
        }

        // Whether its holding end is still there and free the attach itself finds out (PrePlugUnusableException).
        if (string.Equals(iface.ExternalIds[OvsExternalIds.PrePlugged], mac, StringComparison.OrdinalIgnoreCase)
            && iface.ExternalIds.GetValueOrDefault(OvsExternalIds.Ip) == ips)
        {
            return iface;
        }

        await RemoveHeldAsync(iface.Name, "the ADD's allocation differs from the one it was made for", cancellationToken).ConfigureAwait(false);
        return null;
    }

    /// <summary>An ADD (holding <see cref="LockAsync"/>) that does not adopt (other NIC type) first removes a waiting port of its logical port.</summary>
    public async Task DiscardAsync(string ifaceId, CancellationToken cancellationToken)
    {
        foreach (var iface in ports.PrePluggedInterfaces().Where(i => i.ExternalIds.GetValueOrDefault(OvsExternalIds.IfaceId) == ifaceId).ToList())
        {
            await RemoveHeldAsync(iface.Name, "its ADD plugs another interface", cancellationToken).ConfigureAwait(false);
        }
    }

    private IEnumerable<Interface> ForPod(string? namespaceName, string? name) =>
        ports.PrePluggedInterfaces().Where(i => i.ExternalIds.GetValueOrDefault(OvsExternalIds.PodNamespace) == namespaceName
            && i.ExternalIds.GetValueOrDefault(OvsExternalIds.PodName) == name).ToList();

    private static bool Matches(Interface iface, OvsPortSpec wanted) =>
        iface.Name == wanted.Name
            && iface.ExternalIds.GetValueOrDefault(OvsExternalIds.IfaceId) == wanted.IfaceId
            && iface.ExternalIds.GetValueOrDefault(OvsExternalIds.PrePlugged) == wanted.ExternalIds[OvsExternalIds.PrePlugged]
            && iface.ExternalIds.GetValueOrDefault(OvsExternalIds.Ip) == wanted.ExternalIds.GetValueOrDefault(OvsExternalIds.Ip);

    private async Task RemoveAsync(Interface iface, string why, CancellationToken cancellationToken)
    {
        using var held = await LockAsync(iface.ExternalIds.GetValueOrDefault(OvsExternalIds.IfaceId) ?? iface.Name, cancellationToken).ConfigureAwait(false);
        await RemoveHeldAsync(iface.Name, why, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Removes the waiting port and its veth, unless an ADD adopted it meanwhile (then it is the pod's, not ours to remove).</summary>
    private async Task RemoveHeldAsync(string hostName, string why, CancellationToken cancellationToken)
    {
        if (ports.FindInterface(hostName) is { } current && !current.ExternalIds.ContainsKey(OvsExternalIds.PrePlugged))
        {
            return;
        }

        await ports.RemoveAsync(hostName, cancellationToken).ConfigureAwait(false);
        await interfaces.DeleteHoldingAsync(hostName, cancellationToken).ConfigureAwait(false);
        logger.LogInformation("removed pre-plugged {HostName}: {Why}", hostName, why);
    }
}
