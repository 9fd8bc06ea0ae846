namespace VmNet.Daemon.Dpdk;

/// <summary>What a CNI ADD for a vhost-user NIC carries (netconf keys plus the pod identity and the allocated port).</summary>
public sealed record VhostUserAttachRequest
{
    public required string PodNamespace { get; init; }

    public required string PodName { get; init; }

    /// <summary>metadata.uid: the pod's volumes live under &lt;kubelet pods dir&gt;/&lt;uid&gt;/.</summary>
    public required string PodUid { get; init; }

    public required string ContainerId { get; init; }

    /// <summary>CNI_IFNAME; for consumption "kubevirt" also the socket file name.</summary>
    public required string IfName { get; init; }

    /// <summary>The OVS port name on br-int (&lt;= 15 characters, unique per NIC on the node).</summary>
    public required string PortName { get; init; }

    /// <summary>The LSP name (iface-id); the same on the source and target node of a live migration.</summary>
    public required string IfaceId { get; init; }

    public required string Mac { get; init; }

    public required int Mtu { get; init; }

    public string? SocketVolumeName { get; init; }

    public string? SocketName { get; init; }

    public string? SocketConsumption { get; init; }

    /// <summary>More Interface external_ids (vendor, ip, provider, ...).</summary>
    public IReadOnlyDictionary<string, string> ExternalIds { get; init; } = new Dictionary<string, string>();

    /// <summary>True when the request asks for a vhost-user NIC at all (any of the three netconf keys set).</summary>
    public static bool IsVhostUser(string? socketVolumeName, string? socketName, string? socketConsumption) =>
        !string.IsNullOrEmpty(socketVolumeName) || !string.IsNullOrEmpty(socketName) || !string.IsNullOrEmpty(socketConsumption);
}
