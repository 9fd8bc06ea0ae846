namespace VmNet.Daemon.Netlink.Protocol;

// Values from linux/netlink.h, linux/rtnetlink.h, linux/if_link.h, linux/if_addr.h and linux/if.h.
// Kept as plain constants (not enums) so they read exactly like the kernel headers they mirror.

internal static class NlMsgType
{
    internal const ushort Noop = 1;
    internal const ushort Error = 2;
    internal const ushort Done = 3;
    internal const ushort Overrun = 4;

    internal const ushort NewLink = 16;
    internal const ushort DelLink = 17;
    internal const ushort GetLink = 18;
    internal const ushort SetLink = 19;
    internal const ushort NewAddr = 20;
    internal const ushort DelAddr = 21;
    internal const ushort GetAddr = 22;
    internal const ushort NewRoute = 24;
    internal const ushort DelRoute = 25;
    internal const ushort GetRoute = 26;

    internal static string Name(ushort type) => type switch
    {
        NewLink => "RTM_NEWLINK",
        DelLink => "RTM_DELLINK",
        GetLink => "RTM_GETLINK",
        SetLink => "RTM_SETLINK",
        NewAddr => "RTM_NEWADDR",
        DelAddr => "RTM_DELADDR",
        GetAddr => "RTM_GETADDR",
        NewRoute => "RTM_NEWROUTE",
        DelRoute => "RTM_DELROUTE",
        GetRoute => "RTM_GETROUTE",
        _ => "NLMSG_" + type.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}

internal static class NlmFlags
{
    internal const ushort Request = 0x1;
    internal const ushort Multi = 0x2;
    internal const ushort Ack = 0x4;
    internal const ushort DumpInterrupted = 0x10;

    // GET requests
    internal const ushort Root = 0x100;
    internal const ushort Match = 0x200;
    internal const ushort Dump = Root | Match;

    // NEW requests
    internal const ushort Replace = 0x100;
    internal const ushort Excl = 0x200;
    internal const ushort Create = 0x400;

    // Flags of an NLMSG_ERROR acknowledgement
    internal const ushort AckCapped = 0x100;
    internal const ushort AckTlvs = 0x200;
}

internal static class NlmsgErrAttr
{
    internal const ushort Msg = 1;
}

internal static class Ifla
{
    internal const ushort Address = 1;
    internal const ushort Broadcast = 2;
    internal const ushort IfName = 3;
    internal const ushort Mtu = 4;
    internal const ushort Link = 5;
    internal const ushort Master = 10;
    internal const ushort TxQueueLength = 13;
    internal const ushort OperState = 16;
    internal const ushort LinkInfo = 18;
    internal const ushort NetNsPid = 19;
    internal const ushort NumVf = 21;
    internal const ushort VfInfoList = 22;
    internal const ushort NetNsFd = 28;
    internal const ushort ExtMask = 29;
    internal const ushort LinkNetNsId = 37;
    internal const ushort PermAddress = 54;
}

internal static class IflaInfo
{
    internal const ushort Kind = 1;
    internal const ushort Data = 2;
}

internal static class VethInfo
{
    internal const ushort Peer = 1;
}

internal static class MacvlanInfo
{
    /// <summary>IFLA_MACVLAN_MODE (u32).</summary>
    internal const ushort Mode = 1;

    /// <summary>MACVLAN_MODE_PASSTHRU: the one macvlan on a lower device gets every frame the lower receives.</summary>
    internal const uint ModePassthru = 8;
}

internal static class IflaVf
{
    /// <summary>IFLA_VF_INFO: one nested entry per VF inside IFLA_VFINFO_LIST.</summary>
    internal const ushort Info = 1;

    /// <summary>IFLA_VF_MAC: struct ifla_vf_mac { __u32 vf; __u8 mac[32]; }.</summary>
    internal const ushort Mac = 1;

    internal const int MacFieldLength = 32;
}

internal static class Ifa
{
    internal const ushort Address = 1;
    internal const ushort Local = 2;
    internal const ushort Label = 3;
    internal const ushort Broadcast = 4;
    internal const ushort CacheInfo = 6;
    internal const ushort Flags = 8;
}

internal static class Rta
{
    internal const ushort Dst = 1;
    internal const ushort Src = 2;
    internal const ushort Oif = 4;
    internal const ushort Gateway = 5;
    internal const ushort Priority = 6;
    internal const ushort PrefSrc = 7;
    internal const ushort Metrics = 8;
    internal const ushort Table = 15;
}

internal static class Rtax
{
    internal const ushort Mtu = 2;
}

internal static class Attr
{
    internal const ushort NestedFlag = 0x8000;
    internal const ushort NetByteOrderFlag = 0x4000;
    internal const ushort TypeMask = unchecked((ushort)~(NestedFlag | NetByteOrderFlag));
}

internal static class RouteConstants
{
    internal const byte TableUnspec = 0;
    internal const byte TableMain = 254;
    internal const byte ProtocolBoot = 3;
    internal const byte ProtocolStatic = 4;
    internal const byte ScopeUniverse = 0;
    internal const byte ScopeLink = 253;
    internal const byte ScopeHost = 254;
    internal const byte TypeUnicast = 1;
    internal const uint FlagOnLink = 0x4;
}
