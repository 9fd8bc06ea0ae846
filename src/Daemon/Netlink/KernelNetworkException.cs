using VmNet.Daemon.Netlink.Native;

namespace VmNet.Daemon.Netlink;

/// <summary>
/// A kernel call of the network layer failed. Carries the errno (number and symbolic name) and the
/// operation with the object it was applied to, so a log line alone says what failed on what.
/// </summary>
public abstract class KernelNetworkException : Exception
{
    protected KernelNetworkException(string operation, int errno, string? detail)
        : base(FormatMessage(operation, errno, detail))
    {
        Operation = operation;
        Errno = errno;
        ErrnoName = Native.Errno.Name(errno);
        Detail = detail;
    }

    /// <summary>The operation and its object, e.g. "RTM_NEWLINK veth vn1234_h".</summary>
    public string Operation { get; }

    /// <summary>Positive errno, e.g. 17.</summary>
    public int Errno { get; }

    /// <summary>Symbolic errno, e.g. "EEXIST".</summary>
    public string ErrnoName { get; }

    /// <summary>Extra text from the kernel (netlink extended ack) or from us, when there is any.</summary>
    public string? Detail { get; }

    private static string FormatMessage(string operation, int errno, string? detail)
    {
        var text = $"{operation}: {Native.Errno.Name(errno)} ({Native.Errno.Describe(errno)})";
        return detail is null ? text : $"{text}: {detail}";
    }
}

/// <summary>The kernel refused an rtnetlink request (NLMSG_ERROR with a negative errno).</summary>
public sealed class NetlinkException : KernelNetworkException
{
    public NetlinkException(string operation, int errno, string? kernelMessage = null)
        : base(operation, errno, kernelMessage)
    {
    }
}

/// <summary>A SIOCETHTOOL ioctl failed.</summary>
public sealed class EthtoolException : KernelNetworkException
{
    public EthtoolException(string operation, int errno)
        : base(operation, errno, null)
    {
    }
}

/// <summary>A network namespace could not be opened or entered; names the namespace path.</summary>
public sealed class NetworkNamespaceException : KernelNetworkException
{
    public NetworkNamespaceException(string operation, string path, int errno, string? detail = null)
        : base($"{operation} {path}", errno, detail)
    {
        Path = path;
    }

    public string Path { get; }
}

/// <summary>A call on an AF_PACKET socket (the ARP probe) failed.</summary>
public sealed class PacketSocketException : KernelNetworkException
{
    public PacketSocketException(string operation, int errno, string? detail = null)
        : base(operation, errno, detail)
    {
    }
}
