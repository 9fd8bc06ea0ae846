using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace VmNet.Cni.Tests.Infrastructure;

/// <summary>How a scripted reply delimits its body on the wire.</summary>
public enum Framing
{
    ContentLength,
    Chunked,
    CloseDelimited,
}

/// <summary>A scripted daemon answer. <see cref="Raw"/> replaces the whole HTTP response when set;
/// <see cref="Trickle"/> sends the reply a few bytes at a time, so the client sees partial headers and bodies.</summary>
public sealed record FakeReply(int Status, string Body = "", Framing Framing = Framing.ContentLength, TimeSpan Delay = default, byte[]? Raw = null, bool Trickle = false)
{
    public static FakeReply Ok(string body = "") => new(200, body);

    public static FakeReply Result(CniResult result) =>
        new(200, JsonSerializer.Serialize(new DaemonResponse { Result = result }, CniJsonContext.Default.DaemonResponse));

    public static FakeReply Error(int status, int code, string msg, string? details = null) =>
        new(status, JsonSerializer.Serialize(new DaemonResponse { Error = new DaemonError { Code = code, Msg = msg, Details = details } }, CniJsonContext.Default.DaemonResponse));
}

/// <summary>One request the fake daemon received.</summary>
public sealed record RecordedCall(string RequestLine, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string Path => RequestLine.Split(' ')[1];

    public DaemonRequest Request => JsonSerializer.Deserialize(Body, CniJsonContext.Default.DaemonRequest)!;
}

/// <summary>
/// Test double of the VmNet daemon: a unix-socket HTTP/1.1 server speaking PROTOCOL.md with
/// scripted replies, recording every request. Deliberately raw sockets, so tests control framing
/// and can misbehave (hang, garbage) in ways a real HTTP server would not.
/// </summary>
public sealed class FakeDaemon : IAsyncDisposable
{
    private readonly Socket listener;
    private readonly CancellationTokenSource stop = new();
    private readonly Task acceptLoop;
    private readonly string directory;

    private FakeDaemon(string directory)
    {
        this.directory = directory;
        SocketPath = System.IO.Path.Combine(directory, "daemon.sock");
        listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(SocketPath));
        listener.Listen(16);
        acceptLoop = AcceptAsync(stop.Token);
    }

    public string SocketPath { get; }

    public ConcurrentQueue<RecordedCall> Calls { get; } = new();

    /// <summary>Decides the reply per request; by default a plain success, with <see cref="DefaultResult"/> for add.</summary>
    public Func<RecordedCall, FakeReply> Responder { get; set; } =
        call => call.Path == DaemonProtocol.AddPath ? FakeReply.Result(DefaultResult(call.Request)) : FakeReply.Ok();

    public static FakeDaemon Start() => new(TempDir.Create());

    /// <summary>What a daemon would return for a VM pod on the default network: one veth, dual-stack.</summary>
    public static CniResult DefaultResult(DaemonRequest request) => new()
    {
        Interfaces = [new CniInterface { Name = request.IfName, Mac = "00:00:00:3c:9e:12", Mtu = 1400, Sandbox = request.NetNs }],
        Ips =
        [
            new CniIpConfig { Address = "10.16.0.5/16", Gateway = "10.16.0.1", Interface = 0 },
            new CniIpConfig { Address = "fd00:10:16::5/64", Gateway = "fd00:10:16::1", Interface = 0 },
        ],
        Routes =
        [
            new CniRoute { Dst = "0.0.0.0/0", Gw = "10.16.0.1" },
            new CniRoute { Dst = "::/0", Gw = "fd00:10:16::1", Priority = 1024 },
        ],
        Dns = new CniDns { Nameservers = ["10.96.0.10"], Search = ["default.svc.cluster.local"] },
    };

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        listener.Dispose();
        try
        {
            await acceptLoop;
        }
        catch (OperationCanceledException)
        {
        }

        stop.Dispose();
        Directory.Delete(directory, recursive: true);
    }

    private async Task AcceptAsync(CancellationToken cancellationToken)
    {
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

            _ = Task.Run(() => ServeAsync(client, cancellationToken), CancellationToken.None);
        }
    }

    private async Task ServeAsync(Socket client, CancellationToken cancellationToken)
    {
        using var _ = client;
        try
        {
            var call = await ReadRequestAsync(client, cancellationToken);
            Calls.Enqueue(call);
            var reply = Responder(call);
            if (reply.Delay > TimeSpan.Zero)
            {
                await Task.Delay(reply.Delay, cancellationToken);
            }

            var bytes = reply.Raw ?? Encode(reply);
            if (reply.Trickle)
            {
                for (var offset = 0; offset < bytes.Length; offset += 5)
                {
                    await client.SendAsync(bytes.AsMemory(offset, Math.Min(5, bytes.Length - offset)), SocketFlags.None, cancellationToken);
                    await Task.Delay(1, cancellationToken);
                }
            }
            else
            {
                await client.SendAsync(bytes, SocketFlags.None, cancellationToken);
            }

            client.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // The client gave up (timeouts under test) or the test ended.
        }
    }

    private static async Task<RecordedCall> ReadRequestAsync(Socket client, CancellationToken cancellationToken)
    {
        var buffer = new List<byte>();
        var chunk = new byte[4096];
        int headerEnd;
        while ((headerEnd = IndexOf(buffer, "\r\n\r\n"u8.ToArray())) < 0)
        {
            var read = await client.ReceiveAsync(chunk, SocketFlags.None, cancellationToken);
            if (read == 0)
            {
                throw new SocketException((int)SocketError.ConnectionReset);
            }

            buffer.AddRange(chunk.AsSpan(0, read));
        }

        var lines = Encoding.ASCII.GetString(buffer.ToArray(), 0, headerEnd).Split("\r\n");
        var headers = lines.Skip(1).Select(l => l.Split(':', 2)).ToDictionary(p => p[0].Trim(), p => p[1].Trim(), StringComparer.OrdinalIgnoreCase);
        var length = int.Parse(headers["Content-Length"], CultureInfo.InvariantCulture);
        while (buffer.Count < headerEnd + 4 + length)
        {
            var read = await client.ReceiveAsync(chunk, SocketFlags.None, cancellationToken);
            if (read == 0)
            {
                throw new SocketException((int)SocketError.ConnectionReset);
            }

            buffer.AddRange(chunk.AsSpan(0, read));
        }

        return new RecordedCall(lines[0], headers, buffer.GetRange(headerEnd + 4, length).ToArray());
    }

    private static byte[] Encode(FakeReply reply)
    {
        var body = Encoding.UTF8.GetBytes(reply.Body);
        var head = new StringBuilder();
        head.Append(CultureInfo.InvariantCulture, $"HTTP/1.1 {reply.Status} Whatever\r\nContent-Type: application/json\r\n");
        var payload = body;
        switch (reply.Framing)
        {
            case Framing.ContentLength:
                head.Append(CultureInfo.InvariantCulture, $"Content-Length: {body.Length}\r\n");
                break;
            case Framing.Chunked:
                head.Append("Transfer-Encoding: chunked\r\n");
                payload = Chunk(body);
                break;
            case Framing.CloseDelimited:
                head.Append("Connection: close\r\n");
                break;
        }

        head.Append("\r\n");
        return [.. Encoding.ASCII.GetBytes(head.ToString()), .. payload];
    }

    // Splits the body in uneven chunks, with a chunk extension, to exercise the client's decoder.
    private static byte[] Chunk(byte[] body)
    {
        var output = new List<byte>();
        var offset = 0;
        var size = 7;
        while (offset < body.Length)
        {
            var n = Math.Min(size, body.Length - offset);
            output.AddRange(Encoding.ASCII.GetBytes(n.ToString("x", CultureInfo.InvariantCulture) + (size == 7 ? ";ext=1" : "") + "\r\n"));
            output.AddRange(body.AsSpan(offset, n));
            output.AddRange("\r\n"u8.ToArray());
            offset += n;
            size = size * 3 + 1;
        }

        output.AddRange("0\r\n\r\n"u8.ToArray());
        return [.. output];
    }

    private static int IndexOf(List<byte> haystack, byte[] needle)
    {
        for (var i = 0; i + needle.Length <= haystack.Count; i++)
        {
            var match = true;
            for (var j = 0; j < needle.Length && match; j++)
            {
                match = haystack[i + j] == needle[j];
            }

            if (match)
            {
                return i;
            }
        }

        return -1;
    }
}

/// <summary>Short, unique temp directories (unix socket paths must stay under 108 bytes).</summary>
public static class TempDir
{
    public static string Create()
    {
        var path = System.IO.Path.Combine("/tmp", "vmnet-cni-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(path);
        return path;
    }
}
