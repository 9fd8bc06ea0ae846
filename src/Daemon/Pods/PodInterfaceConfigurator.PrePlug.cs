using System.Net.NetworkInformation;
using VmNet.Daemon.Cni;
using VmNet.Daemon.Netlink;

namespace VmNet.Daemon.Pods;

/// <summary>The kernel side of pre-plugging (README "Pre-plugging"): a veth waiting in the node's namespace, then adopted.</summary>
public sealed partial class PodInterfaceConfigurator
{
    /// <summary>
    /// Creates the veth of a pre-plugged port in the node's namespace: host end <paramref name="hostName"/> up, pod
    /// end <paramref name="holdingName"/> down with the pod's MAC, both with TX checksum offload off (the setting
    /// moves with the device). Leftovers of the same names go first.
    /// </summary>
    public async Task CreateHoldingAsync(string hostName, string holdingName, PhysicalAddress mac, int mtu, CancellationToken cancellationToken)
    {
        await DeleteHoldingAsync(hostName, cancellationToken).ConfigureAwait(false);
        try
        {
            await host.Links.CreateVethAsync(new VethPairSpec(hostName, holdingName) { Mtu = mtu, PeerMacAddress = mac }, cancellationToken).ConfigureAwait(false);
            host.Ethtool.SetTxChecksum(hostName, enabled: false);
            host.Ethtool.SetTxChecksum(holdingName, enabled: false);
            await host.Links.SetUpAsync(hostName, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await host.Links.DeleteLinkIfExistsAsync(hostName, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Removes a pre-plugged veth by either end's name (deleting one end deletes the pair).</summary>
    public async Task DeleteHoldingAsync(string hostName, CancellationToken cancellationToken)
    {
        await host.Links.DeleteLinkIfExistsAsync(hostName, cancellationToken).ConfigureAwait(false);
        await host.Links.DeleteLinkIfExistsAsync(PrePlugNames.HoldingOf(hostName), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>True when the waiting pod end of <paramref name="hostName"/> is still in the node's namespace.</summary>
    public async Task<bool> HoldingExistsAsync(string hostName, CancellationToken cancellationToken) =>
        await host.Links.TryGetLinkAsync(PrePlugNames.HoldingOf(hostName), cancellationToken).ConfigureAwait(false) is not null;

    /// <summary>Names of links in the node's namespace that look like pre-plugged veth ends (for the sweep after a restart).</summary>
    public async Task<IReadOnlyList<string>> ListPrePlugLinksAsync(CancellationToken cancellationToken) =>
        (await host.Links.ListLinksAsync(cancellationToken).ConfigureAwait(false)).Select(l => l.Name).Where(PrePlugNames.IsPrePlugName).ToList();

    /// <summary>
    /// The ADD of a pre-plugged port, first step: the waiting pod end moves into the pod's netns under its final
    /// name in one request and comes up, so traffic (the gateway probe) can flow while the rest is configured.
    /// Returns the rtnetlink client of the pod's netns (the caller disposes it) for <see cref="ConfigureMovedInAsync"/>:
    /// its thread is started while the kernel moves the device (~20 ms), so that thread hop is off the critical path.
    /// </summary>
    public async Task<RouteNetlinkClient> MoveInAsync(PodInterfaceSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        using var podNs = OpenNetns(spec.NetnsPath);
        var opening = RouteNetlinkClient.OpenInAsync(podNs, cancellationToken);
        RouteNetlinkClient? pod = null;
        try
        {
            try
            {
                await host.Links.MoveLinkToNamespaceAsync(PrePlugNames.HoldingOf(spec.HostName), podNs, spec.IfName, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                pod = await opening.ConfigureAwait(false);
            }

            await pod.SetUpAsync(spec.IfName, cancellationToken).ConfigureAwait(false);
            return pod;
        }
        catch (KernelNetworkException e)
        {
            pod?.Dispose();
            throw CniFailure.SetupFailed($"moving pre-plugged {PrePlugNames.HoldingOf(spec.HostName)} into {spec.NetnsPath} as {spec.IfName} (host end {spec.HostName}) failed: {e.Message}", e);
        }
        catch
        {
            pod?.Dispose();
            throw;
        }
    }

    /// <summary>Second step: the MTU the ADD asks for (when it differs from the prepared one), addresses and routes.</summary>
    public async Task ConfigureMovedInAsync(PodInterfaceSpec spec, RouteNetlinkClient pod, int preparedMtu, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(pod);
        try
        {
            if (spec.Mtu != preparedMtu)
            {
                await host.Links.SetMtuAsync(spec.HostName, spec.Mtu, cancellationToken).ConfigureAwait(false);
                await pod.SetMtuAsync(spec.IfName, spec.Mtu, cancellationToken).ConfigureAwait(false);
            }

            await ConfigurePodSideAsync(pod, spec, cancellationToken).ConfigureAwait(false);
        }
        catch (KernelNetworkException e)
        {
            throw CniFailure.SetupFailed($"configuring {spec.IfName} in {spec.NetnsPath} (pre-plugged, host end {spec.HostName}) failed: {e.Message}", e);
        }
    }
}
