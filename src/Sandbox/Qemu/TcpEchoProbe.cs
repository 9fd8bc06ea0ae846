using System.Net;
using System.Net.Sockets;
using System.Text;

namespace VmNet.Sandbox.Qemu;

/// <summary>
/// One long-lived TCP connection from a netns to the guest's echo service: a 16-byte record every 10 ms,
/// echoes checked byte for byte. The largest pause between echoed bytes is the stall a migration caused.
/// </summary>
public sealed class TcpEchoProbe : IAsyncDisposable
{
    private static readonly TimeSpan RecordInterval = TimeSpan.FromMilliseconds(10);
    private readonly Socket socket;
    private readonly CancellationTokenSource stop = new();
    private readonly MemoryStream sent = new();
    private readonly MemoryStream echoed = new();
    private readonly Lock sync = new();
    private Task sender = Task.CompletedTask;
    private Task receiver = Task.CompletedTask;
    private DateTimeOffset? lastReceive;
    private TimeSpan maxStall;
    private string? error;
    private DateTimeOffset? failedAt;

    private TcpEchoProbe(Socket socket) => this.socket = socket;

    /// <summary>Connects from <paramref name="netns"/> to <paramref name="ip"/>:<paramref name="port"/> and starts streaming.</summary>
    public static async Task<TcpEchoProbe> StartAsync(string netns, string ip, int port, CancellationToken cancellationToken = default)
    {
        var socket = await NetnsThread.CreateSocketAsync(netns, AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ConfigureAwait(false);
        socket.NoDelay = true;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            await socket.ConnectAsync(IPAddress.Parse(ip), port, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            socket.Dispose();
            cancellationToken.ThrowIfCancellationRequested();
            throw new QemuException($"TCP connect from {netns} to {ip}:{port} failed: {ex.Message}", ex);
        }

        var probe = new TcpEchoProbe(socket);
        probe.sender = Task.Run(() => probe.SendLoopAsync(probe.stop.Token), CancellationToken.None);
        probe.receiver = Task.Run(() => probe.ReceiveLoopAsync(), CancellationToken.None);
        return probe;
    }

    /// <summary>Stops sending, waits up to 5 s for every byte to come back and reports.</summary>
    public async Task<TcpProbeResult> StopAsync(CancellationToken cancellationToken = default)
    {
        await stop.CancelAsync().ConfigureAwait(false);
        await sender.ConfigureAwait(false);
        long sentBytes;
        lock (sync)
        {
            sentBytes = sent.Length;
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (DateTime.UtcNow < deadline && !receiver.IsCompleted && EchoedLength() < sentBytes)
        {
            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }

        lock (sync)
        {
            var sentBytesNow = sent.ToArray();
            var echoedBytes = echoed.ToArray();
            var intact = echoedBytes.Length == sentBytesNow.Length && echoedBytes.AsSpan().SequenceEqual(sentBytesNow);
            return new TcpProbeResult(sentBytesNow.Length, echoedBytes.Length, intact, error is null && !receiver.IsCompleted, maxStall, error, failedAt, intact ? null : Describe(sentBytesNow, echoedBytes));
        }
    }

    /// <summary>The first differing byte and the records around it, sent vs echoed (records are 16 ASCII bytes).</summary>
    private static string Describe(byte[] sentBytes, byte[] echoedBytes)
    {
        var common = Math.Min(sentBytes.Length, echoedBytes.Length);
        var at = sentBytes.AsSpan(0, common).CommonPrefixLength(echoedBytes.AsSpan(0, common));
        var from = Math.Max(0, at - (at % 16) - 16);
        string Window(byte[] bytes) => Encoding.ASCII.GetString(bytes, Math.Min(from, bytes.Length), Math.Max(0, Math.Min(bytes.Length, from + 48) - from)).Replace("\n", "|", StringComparison.Ordinal);
        return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"first difference at byte {at}: sent '{Window(sentBytes)}' echoed '{Window(echoedBytes)}'");
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync().ConfigureAwait(false);
        socket.Dispose();
        try
        {
            await Task.WhenAll(sender, receiver).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // Closing the socket ends both loops.
        }

        stop.Dispose();
        await sent.DisposeAsync().ConfigureAwait(false);
        await echoed.DisposeAsync().ConfigureAwait(false);
    }

    private long EchoedLength()
    {
        lock (sync)
        {
            return echoed.Length;
        }
    }

    private async Task SendLoopAsync(CancellationToken cancellationToken)
    {
        long sequence = 0;
        var next = DateTime.UtcNow;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var record = Encoding.ASCII.GetBytes(sequence++.ToString("D15", System.Globalization.CultureInfo.InvariantCulture) + "\n");
                lock (sync)
                {
                    sent.Write(record);
                }

                await socket.SendAsync(record, SocketFlags.None, cancellationToken).ConfigureAwait(false);
                next += RecordInterval;
                var wait = next - DateTime.UtcNow;
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }
        catch (SocketException ex)
        {
            lock (sync)
            {
                failedAt ??= DateTimeOffset.UtcNow;
                error ??= "send: " + ex.Message;
            }
        }
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var n = await socket.ReceiveAsync(buffer, SocketFlags.None).ConfigureAwait(false);
                var now = DateTimeOffset.UtcNow;
                lock (sync)
                {
                    if (n == 0)
                    {
                        failedAt ??= now;
                        error ??= "connection closed by the guest";
                        return;
                    }

                    if (lastReceive is { } last && now - last > maxStall)
                    {
                        maxStall = now - last;
                    }

                    lastReceive = now;
                    echoed.Write(buffer, 0, n);
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            lock (sync)
            {
                failedAt ??= DateTimeOffset.UtcNow;
                error ??= "receive: " + ex.Message;
            }
        }
    }
}
