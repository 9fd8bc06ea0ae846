using System.Net;
using System.Net.Sockets;

namespace VmNet.Daemon.Netlink.Protocol;

/// <summary>Encodes RTM_*ADDR requests and decodes RTM_NEWADDR replies.</summary>
internal static class AddressMessages
{
    public static NetlinkMessageBuilder Add(int index, InterfaceAddress address, AddressOptions options)
    {
        uint flags = 0;
        if (options.NoDad)
        {
            flags |= AddressInfo.FlagNoDad;
        }

        if (options.NoPrefixRoute)
        {
            flags |= AddressInfo.FlagNoPrefixRoute;
        }

        var message = Build(NlMsgType.NewAddr, NlmFlags.Request | NlmFlags.Ack | NlmFlags.Create | NlmFlags.Excl, index, address, flags);
        if (!address.IsIPv6 && address.PrefixLength < 31)
        {
            // What `ip addr add ... brd +` and the Go netlink library do; /31 and /32 have no broadcast.
            message.AddAttribute(Ifa.Broadcast, Broadcast(address).GetAddressBytes());
        }

        if (flags != 0)
        {
            // IFA_FLAGS carries the full 32 bits; ifa_flags (8 bits) cannot hold IFA_F_NOPREFIXROUTE.
            message.AddUInt32(Ifa.Flags, flags);
        }

        return message;
    }

    public static NetlinkMessageBuilder Delete(int index, InterfaceAddress address) =>
        Build(NlMsgType.DelAddr, NlmFlags.Request | NlmFlags.Ack, index, address, 0);

    public static NetlinkMessageBuilder Dump(AddressFamily family) =>
        new NetlinkMessageBuilder(NlMsgType.GetAddr, NlmFlags.Request | NlmFlags.Dump)
            .AddHeader(new IfAddrMsg { Family = Families.ToKernel(family) });

    public static AddressInfo Parse(NetlinkMessage message)
    {
        var header = message.ReadHeader<IfAddrMsg>();
        var attributes = message.Attributes(IfAddrMsg.Size);

        // IFA_LOCAL is the interface's own address; IFA_ADDRESS is the peer on point-to-point links.
        var address = attributes.Address(Ifa.Local) ?? attributes.Address(Ifa.Address)
            ?? throw new InvalidDataException($"RTM_NEWADDR for ifindex {header.Index} carries no address");
        return new AddressInfo(
            header.Index,
            new InterfaceAddress(address, header.PrefixLength),
            attributes.UInt32(Ifa.Flags) ?? header.Flags,
            header.Scope,
            attributes.String(Ifa.Label));
    }

    private static NetlinkMessageBuilder Build(ushort type, ushort flags, int index, InterfaceAddress address, uint addressFlags)
    {
        var bytes = address.Address.GetAddressBytes();
        return new NetlinkMessageBuilder(type, flags)
            .AddHeader(new IfAddrMsg
            {
                Family = Families.ToKernel(address.Address.AddressFamily),
                PrefixLength = (byte)address.PrefixLength,
                Flags = (byte)addressFlags,
                Index = index,
            })
            .AddAttribute(Ifa.Local, bytes)
            .AddAttribute(Ifa.Address, bytes);
    }

    private static IPAddress Broadcast(InterfaceAddress address)
    {
        var bytes = address.Address.GetAddressBytes();
        for (var bit = address.PrefixLength; bit < 32; bit++)
        {
            bytes[bit / 8] |= (byte)(0x80 >> (bit % 8));
        }

        return new IPAddress(bytes);
    }
}

/// <summary>.NET address families to the kernel's AF_* numbers.</summary>
internal static class Families
{
    public static byte ToKernel(AddressFamily family) => family switch
    {
        AddressFamily.InterNetwork => (byte)Native.LibC.AF_INET,
        AddressFamily.InterNetworkV6 => (byte)Native.LibC.AF_INET6,
        AddressFamily.Unspecified => 0,
        _ => throw new ArgumentOutOfRangeException(nameof(family), family, "only IPv4, IPv6 or Unspecified"),
    };
}
