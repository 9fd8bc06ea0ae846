using System.Diagnostics;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using VmNet.Daemon.Netlink.Native;

namespace VmNet.Daemon.Netlink;

/// <summary>
/// Resolves an IPv4 address on one interface with ARP requests from an AF_PACKET socket, as Kube-OVN's
/// IPv4 gateway check does (facts §8.4 step 12), but retried every few milliseconds instead of every
/// second: the first requests may be dropped while ovn-controller's flows are still landing, and a
/// short interval lets the check finish as soon as they have.
/// </summary>
public static class ArpProbe
{
    private const int EthernetHeader = 14;
    private const int FrameLength = EthernetHeader + 28;
    private static readonly TimeSpan NotReadyPause = TimeSpan.FromMilliseconds(1);

    /// <summary>
    /// Sends "who has <paramref name="target"/>" from <paramref name="sourceIp"/>/<paramref name="sourceMac"/> on
    /// <paramref name="ifName"/> every <paramref name="retryInterval"/> until a reply arrives. Blocking; must run on
    /// a thread inside the interface's network namespace. Returns the target's MAC, or null when no reply came
    /// within <paramref name="timeout"/> (also when the interface never appeared). Cancellation is observed between polls.
    /// </summary>
    public static PhysicalAddress? Resolve(string ifName, PhysicalAddress sourceMac, IPAddress sourceIp, IPAddress target, TimeSpan timeout, TimeSpan retryInterval, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(ifName);
        ArgumentNullException.ThrowIfNull(sourceMac);
        ArgumentNullException.ThrowIfNull(sourceIp);
        ArgumentNullException.ThrowIfNull(target);
        if (sourceIp.AddressFamily != AddressFamily.InterNetwork || target.AddressFamily != AddressFamily.InterNetwork)
        {
            throw new ArgumentException($"ARP resolves IPv4 addresses only, not {target} from {sourceIp}", nameof(target));
        }

        var started = Stopwatch.GetTimestamp();
        var socket = WaitForInterface(ifName, started, timeout, cancellationToken);
        if (socket is null)
        {
            return null;
        }

        try
        {
            return Probe(socket, ifName, sourceMac, sourceIp, target, started, timeout, retryInterval, cancellationToken);
        }
        finally
        {
            // Closing a packet socket waits for an RCU grace period in the kernel (packet_release → synchronize_net),
            // measured 14-25 ms on a loaded node: that wait must not hold back the answer, so another thread closes it.
            ThreadPool.UnsafeQueueUserWorkItem(static s => s.Dispose(), socket, preferLocal: false);
        }
    }

    private static PhysicalAddress? Probe(SafeFileDescriptor socket, string ifName, PhysicalAddress sourceMac, IPAddress sourceIp, IPAddress target, long started, TimeSpan timeout, TimeSpan retryInterval, CancellationToken cancellationToken)
    {
        var request = Request(sourceMac, sourceIp, target);
        var reply = new byte[256];
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var left = timeout - Stopwatch.GetElapsedTime(started);
            if (left <= TimeSpan.Zero)
            {
                return null;
            }

            if (!Send(socket, request, ifName))
            {
                // Not up yet: nothing can answer, so try again soon rather than after a whole retry interval.
                Thread.Sleep(NotReadyPause);
                continue;
            }

            var sent = Stopwatch.GetTimestamp();
            var wait = left < retryInterval ? left : retryInterval;
            for (var remaining = wait; remaining > TimeSpan.Zero; remaining = wait - Stopwatch.GetElapsedTime(sent))
            {
                if (!WaitReadable(socket, remaining))
                {
                    break;
                }

                if (ReceiveReply(socket, reply, target) is { } mac)
                {
                    return mac;
                }
            }
        }
    }

    /// <summary>
    /// The probe may start before its interface arrives (a pre-plugged pod end still moving into the netns, so the
    /// thread and socket cost overlaps the move): it waits for the interface in short steps; null on timeout.
    /// </summary>
    private static SafeFileDescriptor? WaitForInterface(string ifName, long started, TimeSpan timeout, CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var index = PacketSocketCalls.IfNameToIndex(ifName);
            if (index != 0)
            {
                return Open(ifName, index);
            }

            var errno = Marshal.GetLastPInvokeError();
            if (errno != Errno.ENODEV && errno != 0)
            {
                throw new PacketSocketException("if_nametoindex " + ifName, errno);
            }

            if (Stopwatch.GetElapsedTime(started) >= timeout)
            {
                return null;
            }

            Thread.Sleep(NotReadyPause);
        }
    }

    private static unsafe SafeFileDescriptor Open(string ifName, uint index)
    {
        var protocol = (ushort)IPAddress.HostToNetworkOrder((short)PacketSocketCalls.ETH_P_ARP);
        // Protocol 0 at creation, ARP only at bind: a socket created with a protocol is already hooked in, and
        // binding it re-hooks it after an RCU grace period (packet_do_bind → synchronize_net), ~13 ms under load.
        var fd = LibC.Socket(PacketSocketCalls.AF_PACKET, LibC.SOCK_RAW | LibC.SOCK_CLOEXEC, 0);
        if (fd < 0)
        {
            throw new PacketSocketException("socket(AF_PACKET) for " + ifName, Marshal.GetLastPInvokeError());
        }

        var socket = new SafeFileDescriptor(fd);
        var address = new PacketSocketCalls.SockaddrLl { Family = PacketSocketCalls.AF_PACKET, Protocol = protocol, IfIndex = (int)index };
        if (PacketSocketCalls.Bind(socket, &address, sizeof(PacketSocketCalls.SockaddrLl)) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            socket.Dispose();
            throw new PacketSocketException("bind AF_PACKET to " + ifName, errno);
        }

        return socket;
    }

    private static byte[] Request(PhysicalAddress sourceMac, IPAddress sourceIp, IPAddress target)
    {
        var frame = new byte[FrameLength];
        frame.AsSpan(0, 6).Fill(0xff);
        sourceMac.GetAddressBytes().CopyTo(frame, 6);
        frame[12] = 0x08;
        frame[13] = 0x06;
        ReadOnlySpan<byte> header = [0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01]; // Ethernet, IPv4, request
        header.CopyTo(frame.AsSpan(EthernetHeader));
        sourceMac.GetAddressBytes().CopyTo(frame, EthernetHeader + 8);
        sourceIp.GetAddressBytes().CopyTo(frame, EthernetHeader + 14);
        target.GetAddressBytes().CopyTo(frame, EthernetHeader + 24);
        return frame;
    }

    /// <summary>False when the interface is not up yet or its queue is full (like a dropped request: retried).</summary>
    private static unsafe bool Send(SafeFileDescriptor socket, byte[] frame, string ifName)
    {
        fixed (byte* data = frame)
        {
            if (PacketSocketCalls.Send(socket, data, (nuint)frame.Length, 0) < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                return errno is Errno.ENETDOWN or Errno.ENOBUFS or Errno.EAGAIN
                    ? false
                    : throw new PacketSocketException("send ARP request on " + ifName, errno);
            }

            return true;
        }
    }

    private static unsafe bool WaitReadable(SafeFileDescriptor socket, TimeSpan timeout)
    {
        var added = false;
        socket.DangerousAddRef(ref added);
        try
        {
            var poll = new PacketSocketCalls.PollFd { Fd = (int)socket.DangerousGetHandle(), Events = PacketSocketCalls.POLLIN };
            var ready = PacketSocketCalls.Poll(&poll, 1, Math.Max(1, (int)Math.Ceiling(timeout.TotalMilliseconds)));
            if (ready < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                return errno == Errno.EINTR ? true : throw new PacketSocketException("poll AF_PACKET", errno);
            }

            return ready > 0;
        }
        finally
        {
            if (added)
            {
                socket.DangerousRelease();
            }
        }
    }

    /// <summary>Drains what is queued; the target's MAC when one of the frames is its ARP reply.</summary>
    private static unsafe PhysicalAddress? ReceiveReply(SafeFileDescriptor socket, byte[] buffer, IPAddress target)
    {
        var wanted = target.GetAddressBytes();
        fixed (byte* data = buffer)
        {
            while (true)
            {
                var length = (int)LibC.Recv(socket, data, (nuint)buffer.Length, PacketSocketCalls.MSG_DONTWAIT);
                if (length < 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    return errno is Errno.EAGAIN or Errno.EINTR ? null : throw new PacketSocketException("recv AF_PACKET", errno);
                }

                // Our own requests come back too (a packet socket sees outgoing frames): only a reply from the target counts.
                var arp = buffer.AsSpan(EthernetHeader, Math.Max(0, length - EthernetHeader));
                if (arp.Length >= 28 && arp[6] == 0 && arp[7] == 2 && arp.Slice(14, 4).SequenceEqual(wanted))
                {
                    return new PhysicalAddress(arp.Slice(8, 6).ToArray());
                }
            }
        }
    }
}
