using System.Net.Sockets;
using System.Text;

namespace VmNet.Bench.Cni;

/// <summary>
/// A daemon that answers every request at once with one fixed ADD result, so an ADD through the
/// plugin measures only the plugin's own cost (start-up, validation, socket, JSON, output).
/// </summary>
internal sealed class StubDaemon : IAsyncDisposable
{
    private const string Body = """
        {"result":{"interfaces":[{"name":"eth0","mac":"00:00:00:3c:9e:12","mtu":1400,"sandbox":"/var/run/netns/bench"}],"ips":[{"address":"10.16.0.5/16","gateway":"10.16.0.1","interface":0}],"routes":[{"dst":"0.0.0.0/0","gw":"10.16.0.1"}]}}
        """;

    private static readonly byte[] Reply = Encoding.ASCII.GetBytes(
        $"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {Encoding.UTF8.GetByteCount(Body)}\r\n\r\n{Body}");

    private readonly Socket listener;
    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;
    private readonly string directory;

    public StubDaemon()
    {
        directory = Path.Combine("/tmp", "vmnet-bench-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(directory);
        SocketPath = Path.Combine(directory, "daemon.sock");
        listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(SocketPath));
        listener.Listen(16);
        loop = ServeAsync(stop.Token);
    }

    public string SocketPath { get; }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        listener.Dispose();
        try
        {
            await loop;
        }
        catch (OperationCanceledException)
        {
        }

        stop.Dispose();
        Directory.Delete(directory, recursive: true);
    }

    private async Task ServeAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            using (client)
            {
                // One request per connection; its end is the end of a Content-Length body.
                var received = 0;
                while (!RequestComplete(buffer.AsSpan(0, received)))
                {
                    var read = await client.ReceiveAsync(buffer.AsMemory(received), SocketFlags.None, cancellationToken);
                    if (read == 0)
                    {
                        break;
                    }

                    received += read;
                }

                await client.SendAsync(Reply, SocketFlags.None, cancellationToken);
            }
        }
    }

    private static bool RequestComplete(ReadOnlySpan<byte> data)
    {
        var end = data.IndexOf("\r\n\r\n"u8);
        if (end < 0)
        {
            return false;
        }

        var head = Encoding.ASCII.GetString(data[..end]);
        var marker = head.IndexOf("Content-Length:", StringComparison.OrdinalIgnoreCase);
        if (marker < 0)
        {
            return true;
        }

        var valueEnd = head.IndexOf('\r', marker);
        var length = int.Parse(head.AsSpan(marker + 15, (valueEnd < 0 ? head.Length : valueEnd) - marker - 15).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        return data.Length >= end + 4 + length;
    }
}
