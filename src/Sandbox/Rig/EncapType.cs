namespace VmNet.Sandbox.Rig;

/// <summary>Tunnel encapsulation between chassis; both work with OVS userspace (native) tunnelling.</summary>
public enum EncapType
{
    Geneve,
    Vxlan,
}

public static class EncapTypeExtensions
{
    /// <summary>The value for external_ids:ovn-encap-type and the OVS Interface type.</summary>
    public static string OvsName(this EncapType encap) => encap switch
    {
        EncapType.Geneve => "geneve",
        EncapType.Vxlan => "vxlan",
        _ => throw new ArgumentOutOfRangeException(nameof(encap), encap, "unknown encapsulation"),
    };

    /// <summary>
    /// Outer headers added to each inner frame over IPv4: outer IP 20 + UDP 8 + inner Ethernet 14 + the
    /// encapsulation header (Geneve 8 + OVN's 8-byte option = 16, VXLAN 8). Oversized packets are dropped silently.
    /// </summary>
    public static int Overhead(this EncapType encap) => encap switch
    {
        EncapType.Geneve => 58,
        EncapType.Vxlan => 50,
        _ => throw new ArgumentOutOfRangeException(nameof(encap), encap, "unknown encapsulation"),
    };
}
