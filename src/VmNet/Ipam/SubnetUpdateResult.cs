namespace VmNet.Ipam;

public enum DisplacementReason
{
    /// <summary>The address is no longer in the subnet's (usable) CIDR.</summary>
    OutsideCidr,

    /// <summary>The address became the subnet's gateway.</summary>
    GatewayAddress,
}

/// <summary>An address a subnet update took from a NIC. The NIC keeps its key and MAC.</summary>
public sealed record DisplacedAddress(string NicKey, string OwnerKey, IpAddr Address, DisplacementReason Reason);

/// <summary>
/// Outcome of a subnet update: allocations inside the new definition are kept; the NICs listed in
/// <see cref="Displaced"/> lost an address and must be re-allocated by the controller (same NIC key,
/// so they keep their MAC).
/// </summary>
public sealed record SubnetUpdateResult(bool CidrChanged, IReadOnlyList<DisplacedAddress> Displaced);

/// <summary>Counts and ranges for the Subnet status (<c>v4availableIPs</c>, <c>v4usingIPrange</c>, ...).</summary>
public sealed record SubnetUsage(IpFamily Family, UInt128 Available, UInt128 Using, string AvailableRange, string UsingRange);
