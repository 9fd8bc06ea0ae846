namespace VmNet.Daemon.Dpdk;

/// <summary>A VM's vhost-user NIC on br-int: OVS port <see cref="Name"/> (client) connecting to QEMU's socket at <see cref="SocketPath"/>.</summary>
public sealed record VhostUserPortSpec
{
    public required string Name { get; init; }

    public required string IfaceId { get; init; }

    public required string SocketPath { get; init; }

    public required int Mtu { get; init; }

    /// <summary>Extra Interface external_ids (vendor, pod, container id, ...).</summary>
    public IReadOnlyDictionary<string, string> ExternalIds { get; init; } = new Dictionary<string, string>();
}

/// <summary>The NIC as OVS sees it. For vhost-user, "LSP up" is not "NIC connected": OVN binds the port before the VM opens the socket.</summary>
public sealed record VhostUserNicState(string Name, string? LinkState, string? Status, string? Error)
{
    /// <summary>The VM's virtio device is running against OVS, not merely the socket existing (<see cref="IsConnected"/>).</summary>
    public bool Connected => IsConnected(LinkState, Status);

    /// <summary>
    /// "NIC connected" from an Interface row's <c>link_state</c> and <c>status:status</c>. netdev-dpdk writes both in
    /// one status refresh: <c>status=connected</c> once the peer started the device (DPDK's new_device gave it a vid),
    /// <c>link_state=up</c> once OVS also set up its queues for it (vid and vhost_reconfigured). After an ovs-vswitchd
    /// restart under a running peer, OVS 3.1 can refresh the row between the two and never again, leaving
    /// link_state=down on a device that forwards (its receive path requires vhost_reconfigured); the device is gone
    /// only when both say so (destroy_device clears the vid and refreshes the row: status=disconnected, link down).
    /// </summary>
    public static bool IsConnected(string? linkState, string? status) => linkState == "up" || status == "connected";
}
