using Microsoft.Extensions.Logging;
using VmNet.Cni;
using VmNet.Daemon.Netlink;
using VmNet.Daemon.Ovs;
using VmNet.Daemon.Pods;
using VmNet.Ovsdb.Errors;

namespace VmNet.Daemon.Cni;

/// <summary>The ADD/DEL/CHECK side of pre-plugged ports (README "Pre-plugging").</summary>
public sealed partial class CniHandler
{
    /// <summary>
    /// The OVS port name of a container's attachment: the one an ADD plugged or adopted (recorded in its
    /// external_ids), else the Kube-OVN style name from the container ID.
    /// </summary>
    private string AttachmentHostName(string containerId, string ifName) =>
        ports.FindAttachment(containerId, ifName)?.Name ?? VethNames.HostSide(containerId, ifName);

    /// <summary>Host end of the waiting port made for exactly this allocation, or null. Caller holds the pre-plug lock.</summary>
    private async Task<string?> FindPrePlugAsync(string portName, PodNetwork network, CancellationToken cancellationToken)
    {
        var ips = network.Addresses.Count > 0 ? string.Join(",", network.Addresses.Select(a => a.Address)) : null;
        return (await prePlugs.FindForAddAsync(portName, network.Mac, ips, cancellationToken).ConfigureAwait(false))?.Name;
    }

    private async Task DiscardPrePlugAsync(string portName, CancellationToken cancellationToken)
    {
        using (await prePlugs.LockAsync(portName, cancellationToken).ConfigureAwait(false))
        {
            await prePlugs.DiscardAsync(portName, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task AdoptPortAsync(DaemonRequest request, PodNetwork network, string hostName, string portName, CancellationToken cancellationToken)
    {
        try
        {
            await ports.AdoptAsync(hostName, PortSpec(request, network, hostName, portName).ExternalIds, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OvsdbException or InvalidOperationException)
        {
            throw CniFailure.SetupFailed($"adopting pre-plugged port {hostName} ({portName}) failed: {e.Message}", e);
        }
    }

    /// <summary>
    /// A repeated ADD of a container whose earlier ADD adopted a pre-plugged port: that port and veth (named
    /// after the logical port, not the container) go first, as a cold-plugged one of the same container would.
    /// </summary>
    private async Task RemoveAdoptedAttachmentAsync(DaemonRequest request, CancellationToken cancellationToken)
    {
        if (ports.FindAttachment(request.ContainerId, request.IfName) is { } previous && previous.Name != VethNames.HostSide(request.ContainerId, request.IfName))
        {
            await RollBackAsync(previous.Name, request.NetNs, request.IfName, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Attaches the pod's interface to the waiting port (caller holds the pre-plug lock). Null when an unfinished ADD
    /// of another sandbox already attached to it: that port (and with it the stale interface) is removed once
    /// <paramref name="adopting"/> is done with it, and the caller plugs anew.
    /// </summary>
    private async Task<RouteNetlinkClient?> AttachPrePlugAsync(PodInterfaceSpec spec, string portName, Task adopting, CancellationToken cancellationToken)
    {
        try
        {
            return await interfaces.AttachInAsync(spec, prePlugs.PreparedMtu, cancellationToken).ConfigureAwait(false);
        }
        catch (PrePlugUnusableException e)
        {
            logger.LogInformation("Plugging {Port} anew: {Reason}", portName, e.Message);
            await IgnoreFailureAsync(adopting).ConfigureAwait(false);
            await ports.RemoveAsync(spec.HostName, cancellationToken).ConfigureAwait(false);
            await interfaces.DeleteHoldingAsync(spec.HostName, cancellationToken).ConfigureAwait(false);
            return null;
        }
    }

    /// <summary>The veth and OVS port made at ADD time (no waiting port to take over).</summary>
    private async Task PlugAnewAsync(DaemonRequest request, PodNetwork network, PodInterfaceSpec spec, string portName, AddPhases phases, CancellationToken cancellationToken)
    {
        await interfaces.CreateAsync(spec, cancellationToken).ConfigureAwait(false);
        phases.NetnsMs = phases.Lap();
        await PlugAsync(request, network, spec.HostName, portName, cancellationToken).ConfigureAwait(false);
        phases.PlugMs = phases.Lap();
    }
}
