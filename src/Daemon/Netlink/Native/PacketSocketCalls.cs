using System.Runtime.InteropServices;

namespace VmNet.Daemon.Netlink.Native;

/// <summary>The libc calls of an AF_PACKET socket (the ARP gateway probe): bind to one interface, send, poll.</summary>
internal static unsafe partial class PacketSocketCalls
{
    internal const int AF_PACKET = 17;
    internal const ushort ETH_P_ARP = 0x0806;
    internal const short POLLIN = 0x001;
    internal const int MSG_DONTWAIT = 0x40;

    private const string Library = "libc";

    [StructLayout(LayoutKind.Sequential)]
    internal struct SockaddrLl
    {
        public ushort Family;
        public ushort Protocol;
        public int IfIndex;
        public ushort HaType;
        public byte PktType;
        public byte HaLen;
        public fixed byte Addr[8];
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct PollFd
    {
        public int Fd;
        public short Events;
        public short REvents;
    }

    [LibraryImport(Library, EntryPoint = "bind", SetLastError = true)]
    internal static partial int Bind(SafeFileDescriptor fd, SockaddrLl* address, int addressLength);

    [LibraryImport(Library, EntryPoint = "send", SetLastError = true)]
    internal static partial nint Send(SafeFileDescriptor fd, byte* buffer, nuint length, int flags);

    [LibraryImport(Library, EntryPoint = "poll", SetLastError = true)]
    internal static partial int Poll(PollFd* fds, nuint count, int timeoutMs);

    [LibraryImport(Library, EntryPoint = "if_nametoindex", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial uint IfNameToIndex(string name);
}
