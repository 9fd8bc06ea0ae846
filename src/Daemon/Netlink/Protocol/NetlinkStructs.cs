using System.Runtime.InteropServices;

namespace VmNet.Daemon.Netlink.Protocol;

// Fixed-size message headers, laid out byte for byte as in the kernel's UAPI headers (host byte order).

[StructLayout(LayoutKind.Sequential)]
internal struct NlMsgHdr
{
    public const int Size = 16;
    public uint Length;
    public ushort Type;
    public ushort Flags;
    public uint Sequence;
    public uint PortId;
}

[StructLayout(LayoutKind.Sequential)]
internal struct IfInfoMsg
{
    public const int Size = 16;
    public byte Family;
    public byte Pad;
    public ushort Type;
    public int Index;
    public uint Flags;
    public uint Change;
}

[StructLayout(LayoutKind.Sequential)]
internal struct IfAddrMsg
{
    public const int Size = 8;
    public byte Family;
    public byte PrefixLength;
    public byte Flags;
    public byte Scope;
    public int Index;
}

[StructLayout(LayoutKind.Sequential)]
internal struct RtMsg
{
    public const int Size = 12;
    public byte Family;
    public byte DestinationLength;
    public byte SourceLength;
    public byte Tos;
    public byte Table;
    public byte Protocol;
    public byte Scope;
    public byte Type;
    public uint Flags;
}
