namespace VmNet.Dhcp;

/// <summary>MTU lost to the tunnel header (facts §5.6): geneve 100, vxlan 50, stt 72; none for underlay.</summary>
public static class EncapOverhead
{
    public const int DefaultNicMtu = 1500;

    public static int Of(string? tunnelType) => tunnelType?.ToLowerInvariant() switch
    {
        null or "" or "geneve" => 100,
        "vxlan" => 50,
        "stt" => 72,
        _ => throw new ArgumentException($"tunnel type \"{tunnelType}\" is not geneve, vxlan or stt", nameof(tunnelType)),
    };

    /// <summary>The MTU the guest should use: the subnet's when set, else the NIC MTU less the encapsulation (not for underlay).</summary>
    public static int GuestMtu(long? subnetMtu, bool underlay, string? tunnelType, int nicMtu = DefaultNicMtu) =>
        subnetMtu is > 0 ? (int)subnetMtu.Value : underlay ? nicMtu : nicMtu - Of(tunnelType);
}
