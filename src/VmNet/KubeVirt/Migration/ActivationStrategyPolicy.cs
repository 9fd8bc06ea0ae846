using VmNet.Dpdk;

namespace VmNet.KubeVirt.Migration;

/// <summary>What the controller knows about one of the VM's ports when choosing its activation strategy.</summary>
/// <param name="PortName">The Logical_Switch_Port name.</param>
/// <param name="VhostUser">The NIC is a vhost-user (DPDK) interface (<see cref="VhostUserPortDetector"/>: its NAD has vhost_user_* keys, or LSP external_ids <c>vmnet.io/vhost-user=true</c>).</param>
/// <param name="GuestAnnounce">QEMU negotiated VIRTIO_NET_F_GUEST_ANNOUNCE with the guest (the guest announces itself instead of QEMU's RARP), when known.</param>
public sealed record PortActivationFacts(string PortName, bool VhostUser, bool? GuestAnnounce);

/// <summary>
/// Whether a port gets <c>activation-strategy=rarp</c> while bound to two chassis (true) or is live on both at once
/// (false). With RARP gating the target stays blocked until it sees a RARP from the VM. QEMU injects that RARP
/// itself for tap backends, but for vhost-user it asks the backend (VHOST_USER_SEND_RARP) only when the guest did
/// NOT negotiate GUEST_ANNOUNCE; with GUEST_ANNOUNCE (QEMU's default, and KubeVirt offers no knob) the guest sends
/// gratuitous ARPs, which OVN's rarp activation ignores. So a vhost-user port is gated only when GUEST_ANNOUNCE is
/// known to be off; otherwise it never waits on a RARP that will not come (<see cref="VhostUserActivation.Decide"/>,
/// measured: 3.6-11 s outage with gating vs 150-190 ms without).
/// </summary>
public static class ActivationStrategyPolicy
{
    public static readonly Func<PortActivationFacts, bool> Default = static port => Decide(port).Activation == MigrationActivation.Rarp;

    /// <summary>The decision with its reason (for logs and events).</summary>
    public static MigrationActivationDecision Decide(PortActivationFacts port)
    {
        ArgumentNullException.ThrowIfNull(port);
        bool? guestAnnounceOff = port.GuestAnnounce is { } negotiated ? !negotiated : null;
        return VhostUserActivation.Decide(port.VhostUser ? VmNicBackend.VhostUser : VmNicBackend.Tap, guestAnnounceOff);
    }
}
