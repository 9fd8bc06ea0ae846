using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace VmNet.Sandbox.Qemu;

/// <summary>
/// Records every frame on an interface inside a netns, with the kernel's receive timestamp (SIOCGSTAMP),
/// from an AF_PACKET socket opened on a dedicated thread after setns. On a VM's tap this tells exactly when
/// OVN started delivering to the migration target, apart from how fast the TCG guest answers.
/// </summary>
public sealed class TapCapture : IAsyncDisposable
{
    private readonly Lock sync = new();
    private readonly List<CapturedFrame> frames = [];
    private readonly Task loop;
    private volatile bool stopping;

    private TapCapture(string netns, string interfaceName, TaskCompletionSource ready)
    {
        Netns = netns;
        InterfaceName = interfaceName;
        loop = NetnsThread.RunAsync(netns, () => { Run(ready); return true; }, "capture " + interfaceName);
    }

    public string Netns { get; }

    public string InterfaceName { get; }

    public IReadOnlyList<CapturedFrame> Frames
    {
        get
        {
            lock (sync)
            {
                return frames.ToList();
            }
        }
    }

    /// <summary>Starts capturing and returns once the socket is bound.</summary>
    public static async Task<TapCapture> StartAsync(string netns, string interfaceName, CancellationToken cancellationToken = default)
    {
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var capture = new TapCapture(netns, interfaceName, ready);
        var first = await Task.WhenAny(ready.Task, capture.loop).WaitAsync(TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
        await first.ConfigureAwait(false);
        return capture;
    }

    /// <summary>The first frame toward the guest addressed to <paramref name="mac"/> at or after <paramref name="since"/>.</summary>
    public CapturedFrame? FirstTowardGuest(string mac, DateTimeOffset since) =>
        Frames.FirstOrDefault(f => f.TowardGuest && f.Timestamp >= since && string.Equals(f.Destination, mac, StringComparison.OrdinalIgnoreCase));

    /// <summary>The first frame toward the guest for <paramref name="mac"/> sent by <paramref name="sender"/> at or after <paramref name="since"/>.</summary>
    public CapturedFrame? FirstTowardGuestFrom(string mac, string sender, DateTimeOffset since) =>
        Frames.FirstOrDefault(f => f.TowardGuest && f.Timestamp >= since
            && string.Equals(f.Destination, mac, StringComparison.OrdinalIgnoreCase)
            && string.Equals(f.Source, sender, StringComparison.OrdinalIgnoreCase));

    /// <summary>Waits up to <paramref name="timeout"/> until a frame for <paramref name="mac"/> from every one of <paramref name="senders"/> was seen.</summary>
    public async Task WaitTowardGuestFromAllAsync(string mac, IReadOnlyList<string> senders, DateTimeOffset since, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!loop.IsCompleted && DateTime.UtcNow < deadline && senders.Any(s => FirstTowardGuestFrom(mac, s, since) is null))
        {
            await Task.Delay(10, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Waits up to <paramref name="timeout"/> for <see cref="FirstTowardGuest"/> to exist.</summary>
    public async Task<CapturedFrame?> WaitFirstTowardGuestAsync(string mac, DateTimeOffset since, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var frame = FirstTowardGuest(mac, since);
            if (frame is not null || DateTime.UtcNow >= deadline || loop.IsCompleted)
            {
                return frame;
            }

            await Task.Delay(10, cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        stopping = true;
        await loop.ConfigureAwait(false);
    }

    private static string Mac(byte[] buffer, int offset)
    {
        var sb = new StringBuilder(17);
        for (var i = 0; i < 6; i++)
        {
            if (i > 0)
            {
                sb.Append(':');
            }

            sb.Append(buffer[offset + i].ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
        }

        return sb.ToString();
    }

    private void Run(TaskCompletionSource ready)
    {
        var fd = LinuxNative.Socket(LinuxNative.AfPacket, LinuxNative.SockRaw, LinuxNative.EthPAllNetworkOrder);
        if (fd < 0)
        {
            throw new QemuException($"AF_PACKET socket in netns {Netns} failed: errno {Marshal.GetLastPInvokeError()}");
        }

        try
        {
            var index = LinuxNative.IfNameToIndex(Encoding.ASCII.GetBytes(InterfaceName + "\0"));
            if (index == 0)
            {
                throw new QemuException($"interface {InterfaceName} not found in netns {Netns}");
            }

            var address = new LinuxNative.SockaddrLl { Family = LinuxNative.AfPacket, Protocol = LinuxNative.EthPAllNetworkOrder, IfIndex = (int)index };
            if (LinuxNative.Bind(fd, ref address, Marshal.SizeOf<LinuxNative.SockaddrLl>()) != 0)
            {
                throw new QemuException($"binding AF_PACKET to {InterfaceName} in netns {Netns} failed: errno {Marshal.GetLastPInvokeError()}");
            }

            ready.SetResult();
            var buffer = new byte[65536];
            var poll = new LinuxNative.PollFd { Fd = fd, Events = LinuxNative.PollIn };
            while (!stopping)
            {
                poll.REvents = 0;
                if (LinuxNative.Poll(ref poll, 1, 50) <= 0)
                {
                    continue;
                }

                while (true)
                {
                    var from = default(LinuxNative.SockaddrLl);
                    var fromLength = Marshal.SizeOf<LinuxNative.SockaddrLl>();
                    var length = LinuxNative.RecvFrom(fd, buffer, buffer.Length, LinuxNative.MsgDontWait, ref from, ref fromLength);
                    if (length < 14)
                    {
                        break;
                    }

                    var timestamp = LinuxNative.IoctlTimeVal(fd, LinuxNative.SiocGStamp, out var tv) == 0
                        ? DateTimeOffset.FromUnixTimeMilliseconds(0).AddTicks((tv.Seconds * 1_000_000 + tv.Microseconds) * 10)
                        : DateTimeOffset.UtcNow;
                    var frame = new CapturedFrame(
                        timestamp,
                        from.PktType == LinuxNative.PacketOutgoing,
                        Mac(buffer, 0),
                        Mac(buffer, 6),
                        BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(12, 2)));
                    lock (sync)
                    {
                        frames.Add(frame);
                    }
                }
            }
        }
        catch (Exception ex)
        {
            ready.TrySetException(ex);
            throw;
        }
        finally
        {
            LinuxNative.Close(fd);
        }
    }
}
