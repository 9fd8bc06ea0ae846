using VmNet.Daemon.Netlink;

namespace VmNet.Daemon.Pods;

/// <summary>
/// The pod's egress limit on the userspace datapath: a token-bucket qdisc on the pod's own interface.
/// OVS's Interface ingress_policing is a tc ingress policer on the host veth, which the userspace
/// datapath's AF_PACKET socket bypasses (measured: no effect; and needs cls_basic), so the limit is
/// applied where the pod's packets are sent instead.
/// </summary>
public static class PodEgressLimiter
{
    public static async Task ApplyAsync(string netnsPath, string ifName, PodQos qos, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(qos);
        using var ns = NetworkNamespace.Open(netnsPath);
        using var pod = await RouteNetlinkClient.OpenInAsync(ns, cancellationToken).ConfigureAwait(false);
        if (qos.EgressRateMbps == 0)
        {
            await pod.DeleteRootQdiscAsync(ifName, cancellationToken).ConfigureAwait(false);
            return;
        }

        var bytesPerSecond = (ulong)qos.EgressRateMbps * 125_000;
        var burst = (uint)Math.Clamp(qos.EgressBurstMbit is { } b ? b * 125_000 : (long)(bytesPerSecond / 50), 16 * 1024, 64 * 1024 * 1024);

        // Queue up to 50 ms of traffic beyond the burst before dropping, like `tc ... latency 50ms`.
        var limit = (uint)Math.Min(burst + (bytesPerSecond / 20), uint.MaxValue);
        await pod.SetTokenBucketAsync(ifName, bytesPerSecond, burst, limit, cancellationToken).ConfigureAwait(false);
    }
}
