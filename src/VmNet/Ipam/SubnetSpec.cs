namespace VmNet.Ipam;

/// <summary>
/// The IPAM-relevant part of a Kube-OVN Subnet: <c>cidrBlock</c> (<c>v4</c>, <c>v6</c> or <c>v4,v6</c>;
/// empty for a MAC-only subnet), <c>gateway</c> (defaults to the first usable address of each family),
/// <c>excludeIps</c>, and the MAC of the subnet's logical router port (never handed to a NIC).
/// </summary>
public sealed record SubnetSpec(string Name, string CidrBlock)
{
    public string? Gateway { get; init; }

    public IReadOnlyList<string> ExcludeIps { get; init; } = [];

    public string? GatewayMac { get; init; }
}
