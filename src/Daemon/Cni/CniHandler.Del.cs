using Microsoft.Extensions.Logging;
using VmNet.Cni;
using VmNet.Daemon.Ovs;
using VmNet.Daemon.Pods;

namespace VmNet.Daemon.Cni;

public sealed partial class CniHandler
{
    /// <summary>Removes the OVS port (with its QoS) and the veth; succeeds when there is nothing left to remove.</summary>
    public async Task DelAsync(DaemonRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrEmpty(request.ContainerId) || string.IsNullOrEmpty(request.IfName))
        {
            throw CniFailure.BadRequest(CniErrorCodes.InvalidEnvironmentVariables, "container_id and if_name (CNI_CONTAINERID, CNI_IFNAME) are required");
        }

        if (request.IpamOnly)
        {
            return;
        }

        using var held = await locks.AcquireAsync(LockKey(request.ContainerId, request.IfName), cancellationToken).ConfigureAwait(false);
        await RemoveAttachmentAsync(AttachmentHostName(request.ContainerId, request.IfName), request.NetNs, request.IfName, cancellationToken).ConfigureAwait(false);
        logger.LogInformation("DEL {Namespace}/{Pod} {IfName} container {ContainerId}", request.PodNamespace, request.PodName, request.IfName, request.ContainerId);
    }

    /// <summary>GC: removes every attachment this daemon plugged whose (container, ifname) the runtime no longer lists.</summary>
    public async Task GcAsync(DaemonRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var valid = (request.ValidAttachments ?? []).Select(a => (a.ContainerId, a.IfName)).ToHashSet();
        foreach (var iface in ports.OwnedInterfaces())
        {
            var container = iface.ExternalIds.GetValueOrDefault(OvsExternalIds.ContainerId);
            var ifName = iface.ExternalIds.GetValueOrDefault(OvsExternalIds.IfName);
            if (container is null || ifName is null || valid.Contains((container, ifName)))
            {
                continue;
            }

            using var held = await locks.AcquireAsync(LockKey(container, ifName), cancellationToken).ConfigureAwait(false);
            await RemoveAttachmentAsync(iface.Name, iface.ExternalIds.GetValueOrDefault(OvsExternalIds.PodNetns), ifName, cancellationToken).ConfigureAwait(false);
            logger.LogInformation("GC removed {HostName} of container {ContainerId} {IfName}", iface.Name, container, ifName);
        }
    }

    private async Task RemoveAttachmentAsync(string hostName, string? netns, string ifName, CancellationToken cancellationToken)
    {
        // A VF representor is given back (VF to the host, names and MAC restored), never deleted.
        if (await sriov.DetachAsync(hostName, netns, ifName, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        try
        {
            if (await VhostUser.DelIfVhostUserAsync(hostName, cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            await ports.RemoveAsync(hostName, cancellationToken).ConfigureAwait(false);
            await interfaces.DeleteAsync(hostName, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is VmNet.Ovsdb.Errors.OvsdbException or VmNet.Daemon.Netlink.KernelNetworkException)
        {
            throw CniFailure.SetupFailed($"removing {hostName} failed: {e.Message}", e);
        }
    }
}
