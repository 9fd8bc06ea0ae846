using System.Runtime.InteropServices;

namespace VmNet.Daemon.Netlink.Native;

/// <summary>
/// The few libc calls the network layer needs. Declared with LibraryImport (source-generated marshalling,
/// no runtime stubs) and SetLastError so the errno of each failed call reaches the typed exceptions.
/// </summary>
internal static unsafe partial class LibC
{
    private const string Library = "libc";

    internal const int AF_INET = 2;
    internal const int AF_INET6 = 10;
    internal const int AF_NETLINK = 16;
    internal const int SOCK_DGRAM = 2;
    internal const int SOCK_RAW = 3;
    internal const int SOCK_CLOEXEC = 0x80000;
    internal const int NETLINK_ROUTE = 0;

    internal const int SOL_SOCKET = 1;
    internal const int SO_SNDBUF = 7;
    internal const int SO_RCVBUF = 8;
    internal const int SO_RCVTIMEO = 20;
    internal const int SOL_NETLINK = 270;
    internal const int NETLINK_CAP_ACK = 10;
    internal const int NETLINK_EXT_ACK = 11;

    internal const int MSG_TRUNC = 0x20;

    internal const int O_RDONLY = 0;
    internal const int O_CLOEXEC = 0x80000;

    internal const int CLONE_NEWNET = 0x40000000;

    internal const ulong SIOCETHTOOL = 0x8946;

    [StructLayout(LayoutKind.Sequential)]
    internal struct SockaddrNl
    {
        public ushort Family;
        public ushort Pad;
        public uint PortId;
        public uint Groups;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct TimeVal
    {
        public long Seconds;
        public long Microseconds;
    }

    [LibraryImport(Library, EntryPoint = "socket", SetLastError = true)]
    internal static partial int Socket(int domain, int type, int protocol);

    [LibraryImport(Library, EntryPoint = "bind", SetLastError = true)]
    internal static partial int Bind(SafeFileDescriptor fd, SockaddrNl* address, int addressLength);

    [LibraryImport(Library, EntryPoint = "getsockname", SetLastError = true)]
    internal static partial int GetSockName(SafeFileDescriptor fd, SockaddrNl* address, int* addressLength);

    [LibraryImport(Library, EntryPoint = "setsockopt", SetLastError = true)]
    internal static partial int SetSockOpt(SafeFileDescriptor fd, int level, int option, void* value, int valueLength);

    [LibraryImport(Library, EntryPoint = "sendto", SetLastError = true)]
    internal static partial nint SendTo(SafeFileDescriptor fd, byte* buffer, nuint length, int flags, SockaddrNl* address, int addressLength);

    [LibraryImport(Library, EntryPoint = "recv", SetLastError = true)]
    internal static partial nint Recv(SafeFileDescriptor fd, byte* buffer, nuint length, int flags);

    [LibraryImport(Library, EntryPoint = "close", SetLastError = true)]
    internal static partial int Close(int fd);

    [LibraryImport(Library, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Open(string path, int flags);

    [LibraryImport(Library, EntryPoint = "setns", SetLastError = true)]
    internal static partial int SetNs(SafeFileDescriptor fd, int namespaceType);

    [LibraryImport(Library, EntryPoint = "ioctl", SetLastError = true)]
    internal static partial int Ioctl(SafeFileDescriptor fd, ulong request, void* argument);
}
