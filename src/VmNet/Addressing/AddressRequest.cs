namespace VmNet.Addressing;

/// <summary>
/// What a pod's annotations ask for on one network: static addresses (at most one per family), a static
/// MAC, an <c>ip_pool</c>, and whether the LSP gets port security. Validated by <see cref="AddressRequestParser"/>.
/// </summary>
public sealed record AddressRequest
{
    public IReadOnlyList<string> StaticIps { get; init; } = [];

    public string? StaticMac { get; init; }

    public string? IpPool { get; init; }

    public bool PortSecurity { get; init; }

    public bool HasStaticIp => StaticIps.Count > 0;
}
