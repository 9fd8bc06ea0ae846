using System.Runtime.InteropServices;

namespace VmNet.Sandbox.Qemu;

/// <summary>libc calls .NET does not expose: setns, and AF_PACKET sockets with kernel receive timestamps.</summary>
internal static class LinuxNative
{
    public const int CloneNewNet = 0x40000000;
    public const int AfPacket = 17;
    public const int SockRaw = 3;
    public const ushort EthPAllNetworkOrder = 0x0300; // htons(ETH_P_ALL = 3)
    public const short PollIn = 1;
    public const int MsgDontWait = 0x40;
    public const nuint SiocGStamp = 0x8906;
    public const byte PacketOutgoing = 4;

    [StructLayout(LayoutKind.Sequential)]
    public struct SockaddrLl
    {
        public ushort Family;
        public ushort Protocol;
        public int IfIndex;
        public ushort HaType;
        public byte PktType;
        public byte HaLen;
        public ulong Addr;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short REvents;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct TimeVal
    {
        public long Seconds;
        public long Microseconds;
    }

    [DllImport("libc", EntryPoint = "setns", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static extern int SetNs(nint fd, int nsType);

    [DllImport("libc", EntryPoint = "socket", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static extern int Socket(int domain, int type, int protocol);

    [DllImport("libc", EntryPoint = "if_nametoindex", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static extern uint IfNameToIndex(byte[] nullTerminatedName);

    [DllImport("libc", EntryPoint = "bind", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static extern int Bind(int fd, ref SockaddrLl address, int length);

    [DllImport("libc", EntryPoint = "poll", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static extern int Poll(ref PollFd fds, nuint count, int timeoutMs);

    [DllImport("libc", EntryPoint = "recvfrom", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static extern nint RecvFrom(int fd, byte[] buffer, nint length, int flags, ref SockaddrLl address, ref int addressLength);

    [DllImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static extern int IoctlTimeVal(int fd, nuint request, out TimeVal value);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static extern int Close(int fd);

    /// <summary>Moves the calling OS thread (only it) into the named network namespace.</summary>
    public static void EnterNetns(string netns)
    {
        using var handle = File.OpenHandle(Path.Combine("/run/netns", netns));
        if (SetNs(handle.DangerousGetHandle(), CloneNewNet) != 0)
        {
            throw new QemuException($"setns into netns '{netns}' failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }
}
