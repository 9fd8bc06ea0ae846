namespace VmNet.KubeVirt.Migration;

/// <summary>What the controller knows about one of the VM's ports when choosing its activation strategy.</summary>
/// <param name="PortName">The Logical_Switch_Port name.</param>
/// <param name="VhostUser">The NIC is a vhost-user (DPDK) interface (LSP external_ids <c>vmnet.io/vhost-user=true</c>).</param>
/// <param name="GuestAnnounce">QEMU negotiated VIRTIO_NET_F_GUEST_ANNOUNCE with the guest (the guest announces itself instead of QEMU's RARP), when known.</param>
public sealed record PortActivationFacts(string PortName, bool VhostUser, bool? GuestAnnounce);

/// <summary>
/// Whether a port gets <c>activation-strategy=rarp</c> while bound to two chassis. With RARP gating the target
/// stays blocked until it sees a RARP from the VM; QEMU sends that RARP for vhost-user NICs only without
/// GUEST_ANNOUNCE, so gating such a port on RARP could leave it blocked until the controller's fallback. The
/// DPDK work (branch <c>dpdk</c>) supplies the exact rule; until it lands every port is gated except a vhost-user
/// NIC known to use GUEST_ANNOUNCE. The controller's migration module takes the policy as a constructor argument.
/// </summary>
public static class ActivationStrategyPolicy
{
    public static readonly Func<PortActivationFacts, bool> Default = static port => !(port.VhostUser && port.GuestAnnounce == true);
}
