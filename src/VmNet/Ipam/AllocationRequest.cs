namespace VmNet.Ipam;

/// <summary>
/// What a NIC asks of a subnet. <see cref="NicKey"/> is the port name (<c>name.ns</c> or
/// <c>name.ns.provider</c>, see <see cref="PortNames"/>), <see cref="OwnerKey"/> the pod key <c>ns/name</c>
/// (<c>ns/vmName</c> for a VM, so every launcher pod of the VM maps to the same NIC and keeps its
/// addresses and MAC).
/// </summary>
public sealed record AllocationRequest(string NicKey, string OwnerKey)
{
    /// <summary>Static addresses, at most one per family (the <c>ip_address</c> annotation split on ',').</summary>
    public IReadOnlyList<string> StaticIps { get; init; } = [];

    /// <summary>Static MAC (the <c>mac_address</c> annotation).</summary>
    public string? StaticMac { get; init; }

    /// <summary>Named IP pool to allocate from; null or empty for the subnet's default pool.</summary>
    public string? Pool { get; init; }

    /// <summary>Only this family (the <c>ip_family</c> annotation); null for every family of the subnet.</summary>
    public IpFamily? Family { get; init; }

    /// <summary>
    /// False for a live-migration target: an address held by another owner is then shared between the
    /// two owner keys instead of being a conflict.
    /// </summary>
    public bool CheckConflict { get; init; } = true;

    /// <summary>Addresses never to hand out dynamically (e.g. node InternalIPs on overlay subnets).</summary>
    public IReadOnlySet<IpAddr>? Skip { get; init; }

    /// <summary><c>""</c>, <c>StatefulSet</c> or <c>VirtualMachine</c>, as in the IP CR's <c>podType</c>.</summary>
    public string PodType { get; init; } = string.Empty;

    /// <summary>Convenience for the <c>ip_address</c> annotation value (<c>v4</c>, <c>v6</c> or <c>v4,v6</c>).</summary>
    public static IReadOnlyList<string> SplitIpAnnotation(string? value) =>
        string.IsNullOrWhiteSpace(value)
            ? []
            : value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
}
