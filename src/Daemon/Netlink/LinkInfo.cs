using System.Net.NetworkInformation;

namespace VmNet.Daemon.Netlink;

/// <summary>A network interface as RTM_NEWLINK reports it.</summary>
/// <param name="Index">ifindex, unique within the link's network namespace.</param>
/// <param name="Kind">IFLA_INFO_KIND ("veth", "bridge", "openvswitch", ...) or null for physical devices.</param>
/// <param name="MasterIndex">IFLA_MASTER: the bridge/bond the link is enslaved to, if any.</param>
/// <param name="PeerIndex">IFLA_LINK: for a veth the peer's ifindex (in the peer's namespace).</param>
/// <param name="LinkNetNsId">IFLA_LINK_NETNSID: the nsid, as seen from here, of the namespace holding the peer.</param>
public sealed record LinkInfo(
    int Index,
    string Name,
    PhysicalAddress? MacAddress,
    int Mtu,
    uint Flags,
    ushort HardwareType,
    string? Kind,
    int? MasterIndex,
    int? PeerIndex,
    int? LinkNetNsId,
    LinkOperState OperState)
{
    private const uint IffUp = 0x1;
    private const uint IffLowerUp = 0x10000;

    /// <summary>Administratively up (IFF_UP).</summary>
    public bool IsUp => (Flags & IffUp) != 0;

    /// <summary>Carrier present (IFF_LOWER_UP).</summary>
    public bool HasCarrier => (Flags & IffLowerUp) != 0;
}

/// <summary>IF_OPER_* from RFC 2863, as in linux/if.h.</summary>
public enum LinkOperState : byte
{
    Unknown = 0,
    NotPresent = 1,
    Down = 2,
    LowerLayerDown = 3,
    Testing = 4,
    Dormant = 5,
    Up = 6,
}
