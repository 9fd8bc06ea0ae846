using System.Runtime.InteropServices;
using System.Text;
using VmNet.Daemon.Netlink.Native;
using VmNet.Daemon.Netlink.Protocol;

namespace VmNet.Daemon.Netlink;

/// <summary>
/// SIOCETHTOOL ioctls on the interfaces of one network namespace. The kernel resolves the interface name in
/// the namespace of the socket the ioctl is issued on, so, like <see cref="RouteNetlinkClient"/>, a socket
/// opened inside a pod's namespace (see <see cref="OpenInAsync"/>) reaches the pod's interfaces from any thread.
/// The calls are single syscalls that never wait, hence synchronous.
/// </summary>
public sealed unsafe class EthtoolSocket : IDisposable
{
    // linux/ethtool.h: legacy per-feature commands. ETHTOOL_STXCSUM maps onto the whole NETIF_F_CSUM_MASK
    // feature group, exactly what `ethtool -K dev tx off` changes, and the kernel drops the offloads that
    // depend on it (TSO, GSO checksum) through netdev_update_features.
    private const uint EthtoolGetTxChecksum = 0x16;
    private const uint EthtoolSetTxChecksum = 0x17;
    private const int IfReqSize = 40;
    private const int IfReqDataOffset = 16;

    private readonly SafeFileDescriptor _fd;

    private EthtoolSocket(SafeFileDescriptor fd) => _fd = fd;

    /// <summary>Opens an ioctl socket in the network namespace of the calling thread.</summary>
    public static EthtoolSocket Open()
    {
        var number = LibC.Socket(LibC.AF_INET, LibC.SOCK_DGRAM | LibC.SOCK_CLOEXEC, 0);
        if (number < 0)
        {
            throw new EthtoolException("socket(AF_INET, SOCK_DGRAM) for ethtool", Marshal.GetLastPInvokeError());
        }

        return new EthtoolSocket(new SafeFileDescriptor(number));
    }

    public static Task<EthtoolSocket> OpenInAsync(NetworkNamespace networkNamespace, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(networkNamespace);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(networkNamespace.Run(Open));
    }

    /// <summary>Whether TX checksum offload is on (`ethtool -k`: tx-checksumming).</summary>
    public bool GetTxChecksum(string interfaceName) =>
        Call(interfaceName, EthtoolGetTxChecksum, 0, "ETHTOOL_GTXCSUM") != 0;

    /// <summary>
    /// Turns TX checksum offload on or off. Off is required on veths attached to the userspace OVS datapath:
    /// it does not fill in checksums the kernel left for the device, so TCP segments arrive corrupt.
    /// </summary>
    public void SetTxChecksum(string interfaceName, bool enabled) =>
        Call(interfaceName, EthtoolSetTxChecksum, enabled ? 1u : 0u, "ETHTOOL_STXCSUM " + (enabled ? "on" : "off"));

    public void Dispose() => _fd.Dispose();

    private uint Call(string interfaceName, uint command, uint data, string operation)
    {
        var name = LinkMessages.ValidName(interfaceName);

        // struct ethtool_value { __u32 cmd; __u32 data; }
        var value = stackalloc uint[2];
        value[0] = command;
        value[1] = data;

        // struct ifreq { char ifr_name[IFNAMSIZ]; union { ...; void *ifr_data; } } on a 64-bit kernel.
        var request = stackalloc byte[IfReqSize];
        new Span<byte>(request, IfReqSize).Clear();
        Encoding.UTF8.GetBytes(name, new Span<byte>(request, LinkMessages.MaxNameLength));
        *(nint*)(request + IfReqDataOffset) = (nint)value;
        if (LibC.Ioctl(_fd, LibC.SIOCETHTOOL, request) != 0)
        {
            throw new EthtoolException($"SIOCETHTOOL {operation} {name}", Marshal.GetLastPInvokeError());
        }

        return value[1];
    }
}
