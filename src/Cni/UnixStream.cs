using System.Runtime.InteropServices;
using System.Text;

namespace VmNet.Cni;

/// <summary>
/// A connected AF_UNIX stream socket on plain libc calls. .NET's <c>Socket</c> starts its epoll thread on first use
/// even for blocking calls (the process then spins until that thread runs, ~0.1 ms idle and far more on a busy node)
/// and probes IPv4/IPv6 support with three throwaway sockets; the binary needs connect, send and recv with a timeout.
/// </summary>
internal sealed partial class UnixStream : IDisposable
{
    private const int AfUnix = 1;
    private const int SockStream = 1;
    private const int SockCloexec = 0x80000;
    private const int SolSocket = 1;
    private const int SoRcvtimeo = 20;
    private const int SoSndtimeo = 21;
    private const int MsgNosignal = 0x4000;
    private const int ShutRdwr = 2;
    private const int SunPathLength = 108;

    private readonly int fd;
    private bool disposed;

    private UnixStream(int fd) => this.fd = fd;

    /// <summary>Throws <see cref="DaemonUnreachableException"/> when the socket cannot be connected.</summary>
    public static unsafe UnixStream Connect(string path)
    {
        var address = new SockaddrUn { Family = AfUnix };
        var bytes = Encoding.UTF8.GetBytes(path);
        if (bytes.Length >= SunPathLength)
        {
            throw new DaemonUnreachableException(Errno.ENAMETOOLONG);
        }

        bytes.CopyTo(new Span<byte>(address.Path, SunPathLength));
        var fd = Socket(AfUnix, SockStream | SockCloexec, 0);
        if (fd < 0)
        {
            throw new DaemonUnreachableException(Marshal.GetLastPInvokeError());
        }

        if (ConnectNative(fd, &address, (uint)(sizeof(ushort) + bytes.Length + 1)) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            _ = Close(fd);
            throw new DaemonUnreachableException(errno);
        }

        return new UnixStream(fd);
    }

    /// <summary>Sends all of <paramref name="data"/>; <see cref="TimeoutException"/> when the peer stops reading until <paramref name="deadline"/>.</summary>
    public unsafe void Send(ReadOnlySpan<byte> data, DateTime deadline)
    {
        fixed (byte* start = data)
        {
            for (var sent = 0; sent < data.Length;)
            {
                SetTimeout(SoSndtimeo, deadline);
                var n = SendNative(fd, start + sent, (nuint)(data.Length - sent), MsgNosignal);
                if (n < 0)
                {
                    ThrowUnlessInterrupted("send");
                    continue;
                }

                sent += (int)n;
            }
        }
    }

    /// <summary>Reads what is there (0 at end of stream); <see cref="TimeoutException"/> when nothing comes until <paramref name="deadline"/>.</summary>
    public unsafe int Receive(Span<byte> buffer, DateTime deadline)
    {
        fixed (byte* start = buffer)
        {
            while (true)
            {
                SetTimeout(SoRcvtimeo, deadline);
                var n = Recv(fd, start, (nuint)buffer.Length, 0);
                if (n >= 0)
                {
                    return (int)n;
                }

                ThrowUnlessInterrupted("recv");
            }
        }
    }

    /// <summary>Ends blocked and later calls (they see end of stream or EPIPE); safe from another thread, unlike close.</summary>
    public void Abort() => _ = Shutdown(fd, ShutRdwr);

    public void Dispose()
    {
        if (!disposed)
        {
            disposed = true;
            _ = Close(fd);
        }
    }

    private unsafe void SetTimeout(int option, DateTime deadline)
    {
        var left = deadline - DateTime.UtcNow;
        if (left <= TimeSpan.Zero)
        {
            throw new TimeoutException();
        }

        // At least 1 µs: a zero timeval means "block forever".
        var micros = Math.Max(1L, (long)Math.Ceiling(left.TotalMicroseconds));
        var value = new Timeval { Seconds = micros / 1_000_000, Microseconds = micros % 1_000_000 };
        if (SetSockOpt(fd, SolSocket, option, &value, (uint)sizeof(Timeval)) != 0)
        {
            throw new UnixSocketException(Marshal.GetLastPInvokeError(), "setsockopt");
        }
    }

    private static void ThrowUnlessInterrupted(string call)
    {
        var errno = Marshal.GetLastPInvokeError();
        if (errno == Errno.EINTR)
        {
            return;
        }

        if (errno is Errno.EAGAIN)
        {
            throw new TimeoutException();
        }

        throw new UnixSocketException(errno, call);
    }

    [StructLayout(LayoutKind.Sequential)]
    private unsafe struct SockaddrUn
    {
        public ushort Family;
        public fixed byte Path[SunPathLength];
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Timeval
    {
        public long Seconds;
        public long Microseconds;
    }

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    private static partial int Socket(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "connect", SetLastError = true)]
    private static unsafe partial int ConnectNative(int fd, SockaddrUn* address, uint length);

    [LibraryImport("libc", EntryPoint = "send", SetLastError = true)]
    private static unsafe partial nint SendNative(int fd, byte* buffer, nuint length, int flags);

    [LibraryImport("libc", EntryPoint = "recv", SetLastError = true)]
    private static unsafe partial nint Recv(int fd, byte* buffer, nuint length, int flags);

    [LibraryImport("libc", EntryPoint = "setsockopt", SetLastError = true)]
    private static unsafe partial int SetSockOpt(int fd, int level, int option, void* value, uint length);

    [LibraryImport("libc", EntryPoint = "shutdown", SetLastError = true)]
    private static partial int Shutdown(int fd, int how);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}

/// <summary>A socket call failed after the connection was made (reset, broken pipe, ...).</summary>
internal sealed class UnixSocketException : IOException
{
    public UnixSocketException()
    {
    }

    public UnixSocketException(string message)
        : base(message)
    {
    }

    public UnixSocketException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public UnixSocketException(int errno, string call)
        : base($"{call}: {Errno.Describe(errno)}") => ErrorNumber = errno;

    public int ErrorNumber { get; }
}
