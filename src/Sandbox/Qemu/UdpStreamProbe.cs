using System.Net;
using System.Net.Sockets;

namespace VmNet.Sandbox.Qemu;

/// <summary>
/// A steady stream of small UDP datagrams from a netns to the guest (to the discard port) on a dedicated
/// thread. It adds no analysis of its own: it makes sure a frame toward the VM is in flight every few
/// milliseconds, so the target-tap capture sees when OVN starts delivering with that resolution rather
/// than with the 20 ms of the pingers.
/// </summary>
public sealed class UdpStreamProbe : IAsyncDisposable
{
    private const int DiscardPort = 9;
    private readonly Socket socket;
    private readonly TimeSpan interval;
    private readonly Thread thread;
    private volatile bool stopping;
    private long sent;

    private UdpStreamProbe(Socket socket, IPAddress target, TimeSpan interval)
    {
        this.socket = socket;
        this.interval = interval;
        thread = new Thread(() => Run(target)) { IsBackground = true, Name = "udp stream to " + target };
        thread.Start();
    }

    public long Sent => Interlocked.Read(ref sent);

    public static async Task<UdpStreamProbe> StartAsync(string netns, string ip, TimeSpan interval)
    {
        var socket = await NetnsThread.CreateSocketAsync(netns, AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp).ConfigureAwait(false);
        return new UdpStreamProbe(socket, IPAddress.Parse(ip), interval);
    }

    public ValueTask DisposeAsync()
    {
        stopping = true;
        thread.Join();
        socket.Dispose();
        return ValueTask.CompletedTask;
    }

    private void Run(IPAddress target)
    {
        var endpoint = new IPEndPoint(target, DiscardPort);
        var payload = new byte[16];
        while (!stopping)
        {
            try
            {
                socket.SendTo(payload, endpoint);
                Interlocked.Increment(ref sent);
            }
            catch (SocketException)
            {
                // ICMP unreachable from an earlier datagram surfaces here (ECONNREFUSED) or the VM is
                // unreachable for a moment (EHOSTUNREACH): the stream goes on regardless.
            }

            Thread.Sleep(interval);
        }
    }
}
