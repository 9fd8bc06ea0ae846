using VmNet.Daemon.Netlink.Native;

namespace VmNet.Daemon.Netlink.Protocol;

/// <summary>
/// One NETLINK_ROUTE socket: sends a request, matches replies by sequence number, turns NLMSG_ERROR into
/// <see cref="NetlinkException"/> and collects multi-part dumps up to NLMSG_DONE. The socket belongs to the
/// network namespace of the thread that created it, for its whole life, whichever thread uses it later.
/// Requests are serialised: rtnetlink answers a request inside the send call, so holding the socket for one
/// exchange costs microseconds, and no reply of one caller can be read by another.
/// </summary>
internal sealed class NetlinkSocket : IDisposable
{
    private const int ReceiveBufferSize = 128 * 1024;
    private const int KernelBufferSize = 1024 * 1024;
    private const int MaxDumpAttempts = 5;
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(10);

    private readonly SafeFileDescriptor _fd;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly byte[] _receiveBuffer = GC.AllocateArray<byte>(ReceiveBufferSize, pinned: true);
    private uint _sequence;

    private NetlinkSocket(SafeFileDescriptor fd)
    {
        _fd = fd;
    }

    internal enum ReplyKind
    {
        /// <summary>A change request sent with NLM_F_ACK: success is an NLMSG_ERROR carrying 0.</summary>
        Acknowledgement,

        /// <summary>A GET of one object: one reply message, or an NLMSG_ERROR.</summary>
        Single,

        /// <summary>A GET with NLM_F_DUMP: any number of NLM_F_MULTI messages closed by NLMSG_DONE.</summary>
        Dump,
    }

    /// <summary>Opens a socket in the network namespace of the calling thread.</summary>
    public static unsafe NetlinkSocket Open()
    {
        var number = LibC.Socket(LibC.AF_NETLINK, LibC.SOCK_RAW | LibC.SOCK_CLOEXEC, LibC.NETLINK_ROUTE);
        if (number < 0)
        {
            throw new NetlinkException("socket(AF_NETLINK, NETLINK_ROUTE)", System.Runtime.InteropServices.Marshal.GetLastPInvokeError());
        }

        var fd = new SafeFileDescriptor(number);
        try
        {
            SetOption(fd, LibC.SOL_SOCKET, LibC.SO_SNDBUF, KernelBufferSize, "SO_SNDBUF");
            SetOption(fd, LibC.SOL_SOCKET, LibC.SO_RCVBUF, KernelBufferSize, "SO_RCVBUF");
            SetOption(fd, LibC.SOL_NETLINK, LibC.NETLINK_CAP_ACK, 1, "NETLINK_CAP_ACK");

            // Extended ack gives the kernel's own reason text; kernels without it just ignore the request.
            _ = TrySetOption(fd, LibC.SOL_NETLINK, LibC.NETLINK_EXT_ACK, 1);
            var timeout = new LibC.TimeVal { Seconds = (long)ReplyTimeout.TotalSeconds };
            if (LibC.SetSockOpt(fd, LibC.SOL_SOCKET, LibC.SO_RCVTIMEO, &timeout, sizeof(LibC.TimeVal)) != 0)
            {
                throw new NetlinkException("setsockopt(SO_RCVTIMEO) on netlink socket", System.Runtime.InteropServices.Marshal.GetLastPInvokeError());
            }

            var address = new LibC.SockaddrNl { Family = LibC.AF_NETLINK };
            if (LibC.Bind(fd, &address, sizeof(LibC.SockaddrNl)) != 0)
            {
                throw new NetlinkException("bind(AF_NETLINK)", System.Runtime.InteropServices.Marshal.GetLastPInvokeError());
            }

            return new NetlinkSocket(fd);
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }

    public async Task<List<NetlinkMessage>> ExchangeAsync(NetlinkMessageBuilder request, ReplyKind kind, string operation, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_fd.IsClosed, this);
            for (var attempt = 1; ; attempt++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var (messages, interrupted) = Exchange(request, kind, operation);
                if (!interrupted)
                {
                    return messages;
                }

                // NLM_F_DUMP_INTR: the table changed while the kernel walked it, so the dump may be
                // inconsistent. Asking again is the documented remedy.
                if (attempt == MaxDumpAttempts)
                {
                    throw new NetlinkException(operation, Errno.EINTR, $"dump interrupted by concurrent changes {MaxDumpAttempts} times");
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose()
    {
        _fd.Dispose();
        _gate.Dispose();
    }

    private static void SetOption(SafeFileDescriptor fd, int level, int option, int value, string name)
    {
        if (!TrySetOption(fd, level, option, value))
        {
            throw new NetlinkException($"setsockopt({name}) on netlink socket", System.Runtime.InteropServices.Marshal.GetLastPInvokeError());
        }
    }

    private static unsafe bool TrySetOption(SafeFileDescriptor fd, int level, int option, int value) =>
        LibC.SetSockOpt(fd, level, option, &value, sizeof(int)) == 0;

    private (List<NetlinkMessage> Messages, bool Interrupted) Exchange(NetlinkMessageBuilder request, ReplyKind kind, string operation)
    {
        var sequence = unchecked(++_sequence);
        Send(request.Build(sequence), operation);
        var replies = new List<NetlinkMessage>();
        var interrupted = false;
        while (true)
        {
            foreach (var message in Receive(operation))
            {
                if (message.Sequence != sequence)
                {
                    // A late reply to an earlier request that timed out: not ours to interpret.
                    continue;
                }

                switch (message.Type)
                {
                    case NlMsgType.Noop:
                        continue;
                    case NlMsgType.Error:
                        var error = NetlinkError.Decode(message);
                        if (error.Errno != 0)
                        {
                            throw new NetlinkException(operation, error.Errno, error.KernelMessage);
                        }

                        return (replies, interrupted);
                    case NlMsgType.Done:
                        var status = message.Payload.Length >= 4 ? -BitConverter.ToInt32(message.Payload.Span) : 0;
                        if (status > 0)
                        {
                            throw new NetlinkException(operation, status);
                        }

                        interrupted |= (message.Flags & NlmFlags.DumpInterrupted) != 0;
                        return (replies, interrupted);
                    case NlMsgType.Overrun:
                        throw new NetlinkException(operation, Errno.EAGAIN, "netlink receive buffer overrun");
                    default:
                        interrupted |= (message.Flags & NlmFlags.DumpInterrupted) != 0;
                        replies.Add(message);
                        if (kind == ReplyKind.Single && (message.Flags & NlmFlags.Multi) == 0)
                        {
                            return (replies, interrupted);
                        }

                        break;
                }
            }
        }
    }

    private unsafe void Send(byte[] message, string operation)
    {
        var kernel = new LibC.SockaddrNl { Family = LibC.AF_NETLINK };
        fixed (byte* data = message)
        {
            while (true)
            {
                var sent = LibC.SendTo(_fd, data, (nuint)message.Length, 0, &kernel, sizeof(LibC.SockaddrNl));
                if (sent >= 0)
                {
                    return;
                }

                var errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
                if (errno != Errno.EINTR)
                {
                    throw new NetlinkException(operation + " (send)", errno);
                }
            }
        }
    }

    private unsafe List<NetlinkMessage> Receive(string operation)
    {
        fixed (byte* buffer = _receiveBuffer)
        {
            while (true)
            {
                var received = LibC.Recv(_fd, buffer, (nuint)_receiveBuffer.Length, LibC.MSG_TRUNC);
                if (received < 0)
                {
                    var errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
                    if (errno == Errno.EINTR)
                    {
                        continue;
                    }

                    throw new NetlinkException(operation + " (receive)", errno, errno == Errno.EAGAIN ? $"no reply from the kernel within {ReplyTimeout.TotalSeconds}s" : null);
                }

                if (received > _receiveBuffer.Length)
                {
                    throw new InvalidDataException($"{operation}: netlink reply of {received} bytes exceeds the {_receiveBuffer.Length}-byte receive buffer");
                }

                return NetlinkMessage.ParseDatagram(_receiveBuffer.AsSpan(0, (int)received));
            }
        }
    }
}
