using VmNet.Ipam;

namespace VmNet.Addressing;

/// <summary>Logical_Switch_Port <c>addresses</c> and <c>port_security</c> for an allocation (facts §9.2).</summary>
public static class PortAddresses
{
    /// <summary><c>"&lt;mac&gt; &lt;ip4&gt; &lt;ip6&gt;"</c>; just the MAC on a MAC-only subnet.</summary>
    public static string Addresses(Allocation allocation)
    {
        ArgumentNullException.ThrowIfNull(allocation);
        var mac = allocation.Mac?.ToString() ?? throw new ArgumentException($"allocation of {allocation.NicKey} has no MAC", nameof(allocation));
        var ips = allocation.Addresses.Select(a => a.ToString());
        return string.Join(' ', ips.Prepend(mac));
    }

    /// <summary>The port_security set: the same string when requested, else empty.</summary>
    public static IReadOnlyList<string> PortSecurity(Allocation allocation, bool requested) =>
        requested ? [Addresses(allocation)] : [];
}
