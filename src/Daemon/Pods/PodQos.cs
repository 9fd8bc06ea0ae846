namespace VmNet.Daemon.Pods;

/// <summary>
/// Bandwidth limits from the pod's point of view, in Mbit/s (bursts in Mbit), as the annotations
/// <c>ingress_rate</c>/<c>egress_rate</c>/<c>*_burst</c> give them (facts §9.5). Zero = unlimited.
/// </summary>
public sealed record PodQos(long IngressRateMbps, long EgressRateMbps, long? IngressBurstMbit = null, long? EgressBurstMbit = null)
{
    public static PodQos None { get; } = new(0, 0);

    public bool IsUnlimited => IngressRateMbps == 0 && EgressRateMbps == 0;

    /// <summary>OVS Interface ingress_policing_rate (kbit/s): what the pod sends enters OVS on the host veth.</summary>
    public long PolicingRateKbps => EgressRateMbps * 1000;

    /// <summary>ingress_policing_burst (kbit): explicit burst, else 80 % of the rate like Kube-OVN.</summary>
    public long PolicingBurstKbit => EgressRateMbps == 0 ? 0 : EgressBurstMbit is { } b ? b * 1000 : PolicingRateKbps * 8 / 10;

    /// <summary>Egress policer committed rate in bytes/s: what the pod receives leaves OVS on the host veth.</summary>
    public long ShaperRateBytesPerSecond => IngressRateMbps * 1_000_000 / 8;

    /// <summary>Egress policer burst in bytes: explicit burst, else a tenth of a second at the rate (Kube-OVN's rate/10).</summary>
    public long ShaperBurstBytes => IngressBurstMbit is { } b ? b * 125_000 : Math.Max(ShaperRateBytesPerSecond / 10, 64 * 1024);
}
