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
    /// <summary>The VM's virtio device is running against OVS (link up), not merely the socket existing.</summary>
    public bool Connected => LinkState == "up";
}
