namespace VmNet.Dpdk;

/// <summary>What the controller puts in a migrating VM port's LSP options for the target chassis.</summary>
public enum MigrationActivation
{
    /// <summary><c>activation-strategy=rarp</c>: the target chassis forwards only after the VM's RARP arrives there.</summary>
    Rarp,

    /// <summary>No activation strategy: both chassis are live while requested-chassis lists both (multi-chassis).</summary>
    None,
}

/// <summary>The NIC backend of a VM port, as far as the migration announcement is concerned.</summary>
public enum VmNicBackend
{
    /// <summary>veth/tap (bridge or masquerade binding): QEMU itself injects the RARP after migration.</summary>
    Tap,

    /// <summary>OVS-DPDK vhost-user: QEMU asks the backend (OVS/DPDK) to send the RARP, but only in one case, see <see cref="VhostUserActivation"/>.</summary>
    VhostUser,
}

/// <summary>The decision with a reason the controller can log or put in an event.</summary>
public sealed record MigrationActivationDecision(MigrationActivation Activation, string Reason);

/// <summary>
/// Which activation strategy a migrating VM port may use. QEMU's vhost-user net sends
/// VHOST_USER_SEND_RARP (and DPDK then injects a RARP on the target port) only when the guest did NOT
/// negotiate VIRTIO_NET_F_GUEST_ANNOUNCE. With guest_announce on (QEMU's default) the guest sends
/// gratuitous ARPs instead, which OVN's activation-strategy=rarp does not accept: the target port would
/// stay inactive until requested-chassis is switched (measured 3.6-11 s outage). So rarp is only safe for
/// vhost-user when the virtio-net device is known to have <c>guest_announce=off</c>; otherwise no activation
/// strategy is used (multi-chassis without activation measured 150-190 ms gap).
/// </summary>
public static class VhostUserActivation
{
    /// <summary>The backend a NAD's netconf gives its NICs: vhost-user when any vhost_user_socket_* key is set.</summary>
    public static VmNicBackend BackendOf(VmNet.Cni.NetConf conf)
    {
        ArgumentNullException.ThrowIfNull(conf);
        return string.IsNullOrEmpty(conf.VhostUserSocketVolumeName) && string.IsNullOrEmpty(conf.VhostUserSocketName) && string.IsNullOrEmpty(conf.VhostUserSocketConsumption)
            ? VmNicBackend.Tap
            : VmNicBackend.VhostUser;
    }

    /// <param name="backend">The VM NIC's backend.</param>
    /// <param name="guestAnnounceOff">True only when the virtio-net device is known to have guest_announce=off; null = unknown.</param>
    public static MigrationActivationDecision Decide(VmNicBackend backend, bool? guestAnnounceOff) => backend switch
    {
        VmNicBackend.Tap => new(MigrationActivation.Rarp, "tap backend: QEMU sends the RARP itself after migration"),
        VmNicBackend.VhostUser when guestAnnounceOff == true =>
            new(MigrationActivation.Rarp, "vhost-user with guest_announce=off: QEMU asks OVS-DPDK to inject the RARP (VHOST_USER_SEND_RARP)"),
        VmNicBackend.VhostUser =>
            new(MigrationActivation.None, "vhost-user with guest_announce on or unknown: the guest announces with gratuitous ARP, no RARP comes; activation-strategy=rarp would never activate the target"),
        _ => throw new ArgumentOutOfRangeException(nameof(backend), backend, "unknown VM NIC backend"),
    };
}
