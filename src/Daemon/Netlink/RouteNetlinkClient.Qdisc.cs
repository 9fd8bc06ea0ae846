using VmNet.Daemon.Netlink.Protocol;

namespace VmNet.Daemon.Netlink;

public sealed partial class RouteNetlinkClient
{
    /// <summary>
    /// Shapes what the interface sends with a root token-bucket filter (rate in bytes/s, burst and queue
    /// limit in bytes), replacing any root qdisc. The node daemon uses it on a pod's interface where the
    /// userspace OVS datapath cannot police (its AF_PACKET socket sees packets before tc ingress does).
    /// </summary>
    public async Task SetTokenBucketAsync(string interfaceName, ulong bytesPerSecond, uint burstBytes, uint limitBytes, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfZero(bytesPerSecond);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bytesPerSecond, uint.MaxValue);
        var index = await ResolveIndexAsync(interfaceName, cancellationToken).ConfigureAwait(false);
        await AcknowledgedAsync(
            QdiscMessages.ReplaceTokenBucket(index, (uint)bytesPerSecond, burstBytes, limitBytes),
            $"RTM_NEWQDISC tbf dev {interfaceName} rate {bytesPerSecond} B/s burst {burstBytes} B",
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Removes the root qdisc (back to the default); false when there was none to remove.</summary>
    public async Task<bool> DeleteRootQdiscAsync(string interfaceName, CancellationToken cancellationToken)
    {
        var index = await ResolveIndexAsync(interfaceName, cancellationToken).ConfigureAwait(false);
        try
        {
            await AcknowledgedAsync(QdiscMessages.DeleteRoot(index), $"RTM_DELQDISC root dev {interfaceName}", cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (NetlinkException e) when (e.ErrnoName is "ENOENT" or "EINVAL")
        {
            return false;
        }
    }
}
