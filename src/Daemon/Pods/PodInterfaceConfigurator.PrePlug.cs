using System.Net.NetworkInformation;
using VmNet.Daemon.Cni;
using VmNet.Daemon.Netlink;
using VmNet.Daemon.Netlink.Native;

namespace VmNet.Daemon.Pods;

/// <summary>
/// The kernel side of pre-plugging (README "Pre-plugging"): a veth between the node's namespace (the OVS port) and the
/// holding namespace, whose holding end later carries the pod's interface as a passthru macvlan created directly in
/// the pod's netns.
/// </summary>
public sealed partial class PodInterfaceConfigurator
{
    /// <summary>
    /// Creates the veth of a pre-plugged port: host end <paramref name="hostName"/> in the node's namespace (the OVS
    /// port), holding end <paramref name="holdingName"/> with the pod's MAC, created directly in the holding namespace
    /// (<see cref="HoldingNetwork"/>), both up with TX checksum offload off.
    /// </summary>
    public async Task CreateHoldingAsync(string hostName, string holdingName, PhysicalAddress mac, int mtu, CancellationToken cancellationToken)
    {
        await DeleteHoldingAsync(hostName, cancellationToken).ConfigureAwait(false);
        var holding = await host.HoldingAsync().ConfigureAwait(false);
        try
        {
            await host.Links.CreateVethAsync(
                new VethPairSpec(hostName, holdingName) { Mtu = mtu, PeerMacAddress = mac, PeerNamespace = holding.Namespace },
                cancellationToken).ConfigureAwait(false);
            host.Ethtool.SetTxChecksum(hostName, enabled: false);
            holding.Ethtool.SetTxChecksum(holdingName, enabled: false);
            await host.Links.SetUpAsync(hostName, cancellationToken).ConfigureAwait(false);

            // Up now, in the silent holding namespace: the carrier change (which ovs-vswitchd's main thread, the one
            // reading this port, handles) happens before the ADD, not under the ADD's gateway probe.
            await holding.Links.SetUpAsync(holdingName, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await host.Links.DeleteLinkIfExistsAsync(hostName, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Removes a pre-plugged veth by either end (deleting one end deletes the pair, and a macvlan on it).</summary>
    public async Task DeleteHoldingAsync(string hostName, CancellationToken cancellationToken)
    {
        await host.Links.DeleteLinkIfExistsAsync(hostName, cancellationToken).ConfigureAwait(false);
        var holding = await host.HoldingAsync().ConfigureAwait(false);
        await holding.Links.DeleteLinkIfExistsAsync(PrePlugNames.HoldingOf(hostName), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>True when the holding end of <paramref name="hostName"/> exists.</summary>
    public async Task<bool> HoldingExistsAsync(string hostName, CancellationToken cancellationToken)
    {
        var holding = await host.HoldingAsync().ConfigureAwait(false);
        return await holding.Links.TryGetLinkAsync(PrePlugNames.HoldingOf(hostName), cancellationToken).ConfigureAwait(false) is not null;
    }

    /// <summary>Names of pre-plug veth ends in the node's and the holding namespace (for the sweep after a restart).</summary>
    public async Task<IReadOnlyList<string>> ListPrePlugLinksAsync(CancellationToken cancellationToken)
    {
        var holding = await host.HoldingAsync().ConfigureAwait(false);
        var hostLinks = await host.Links.ListLinksAsync(cancellationToken).ConfigureAwait(false);
        var holdingLinks = await holding.Links.ListLinksAsync(cancellationToken).ConfigureAwait(false);
        return hostLinks.Concat(holdingLinks).Select(l => l.Name).Where(PrePlugNames.IsPrePlugName).Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// The ADD of a pre-plugged port, first step: the pod's interface is created in the pod's netns under its final
    /// name as a passthru macvlan on the holding end, and comes up with it, so traffic (the gateway probe) can flow
    /// while the rest is configured. Creating a device in a namespace costs a fraction of a millisecond, where moving
    /// one costs an RCU barrier (12-20 ms, README "Where a pre-plugged ADD's time goes"). Returns the rtnetlink client
    /// of the pod's netns (the caller disposes it) for <see cref="ConfigureAttachedAsync"/>; its thread starts while the holding end comes up.
    /// Throws <see cref="PrePlugUnusableException"/> when the holding end already carries a pod interface (an earlier
    /// sandbox's ADD that never finished) or is gone: the caller then plugs anew.
    /// </summary>
    public async Task<RouteNetlinkClient> AttachInAsync(PodInterfaceSpec spec, int preparedMtu, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var holding = PrePlugNames.HoldingOf(spec.HostName);
        var holdingNetwork = await host.HoldingAsync().ConfigureAwait(false);
        using var podNs = OpenNetns(spec.NetnsPath);
        var opening = RouteNetlinkClient.OpenInAsync(podNs, cancellationToken);
        RouteNetlinkClient? pod = null;
        var created = false;
        try
        {
            try
            {
                if (spec.Mtu != preparedMtu)
                {
                    // A macvlan's MTU cannot exceed its lower device's: the veth ends follow the ADD first.
                    await host.Links.SetMtuAsync(spec.HostName, spec.Mtu, cancellationToken).ConfigureAwait(false);
                    await holdingNetwork.Links.SetMtuAsync(holding, spec.Mtu, cancellationToken).ConfigureAwait(false);
                }

                var lower = await holdingNetwork.Links.GetLinkAsync(holding, cancellationToken).ConfigureAwait(false);
                if (!lower.IsUp)
                {
                    await holdingNetwork.Links.SetUpAsync(holding, cancellationToken).ConfigureAwait(false);
                }

                await holdingNetwork.Links.CreateMacvlanPassthruAsync(
                    new MacvlanPassthruSpec(spec.IfName, lower.Index) { Namespace = podNs, Mtu = spec.Mtu, Up = true },
                    cancellationToken).ConfigureAwait(false);
                created = true;
            }
            finally
            {
                pod = await opening.ConfigureAwait(false);
            }

            // No TX checksum setting here: a macvlan's offloads are fixed on and take effect on its lower device,
            // whose offload is off, so the kernel completes checksums (and segments) before the frame reaches OVS.
            return pod;
        }
        catch (NetlinkException e) when (e.Errno is Errno.EBUSY or Errno.EEXIST or Errno.EINVAL or Errno.ENODEV)
        {
            // EINVAL: the holding end is already the lower of a passthru macvlan; EEXIST: the netns has the name;
            // ENODEV: the holding end is gone.
            pod?.Dispose();
            throw new PrePlugUnusableException($"pre-plugged {holding} (host end {spec.HostName}) cannot carry {spec.IfName} in {spec.NetnsPath}: {e.Message}", e);
        }
        catch (KernelNetworkException e)
        {
            await RemoveCreatedAsync(pod, created, spec.IfName).ConfigureAwait(false);
            throw CniFailure.SetupFailed($"creating {spec.IfName} in {spec.NetnsPath} on pre-plugged {holding} (host end {spec.HostName}) failed: {e.Message}", e);
        }
        catch
        {
            await RemoveCreatedAsync(pod, created, spec.IfName).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Second step: addresses and routes (the MTU was set by <see cref="AttachInAsync"/>).</summary>
    public async Task ConfigureAttachedAsync(PodInterfaceSpec spec, RouteNetlinkClient pod, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(pod);
        try
        {
            await ConfigurePodSideAsync(pod, spec, cancellationToken).ConfigureAwait(false);
        }
        catch (KernelNetworkException e)
        {
            throw CniFailure.SetupFailed($"configuring {spec.IfName} in {spec.NetnsPath} (pre-plugged, host end {spec.HostName}) failed: {e.Message}", e);
        }
    }

    /// <summary>A failed attach leaves no interface in the pod's netns (the waiting port stays for the retry).</summary>
    private static async Task RemoveCreatedAsync(RouteNetlinkClient? pod, bool created, string ifName)
    {
        using (pod)
        {
            if (created && pod is not null)
            {
                try
                {
                    await pod.DeleteLinkIfExistsAsync(ifName, CancellationToken.None).ConfigureAwait(false);
                }
                catch (KernelNetworkException)
                {
                    // Best effort: the next ADD finds the holding end taken and plugs anew.
                }
            }
        }
    }
}
