using System.Net.Sockets;
using System.Text;

namespace VmNet.Cni;

/// <summary>
/// A one-request HTTP/1.1 client over a unix socket. HttpClient would work too, but it pulls
/// most of System.Net.Http into the NativeAOT image and costs start-up time on every pod; this
/// protocol needs one POST with a JSON body and one response, so a small hand-written client
/// does (see PROTOCOL.md for what servers must send).
/// </summary>
internal static class UnixHttpClient
{
    private const int MaxResponseBytes = 4 * 1024 * 1024;

    /// <summary>Throws <see cref="DaemonUnreachableException"/> when connect fails and
    /// <see cref="TimeoutException"/> when the whole exchange outlives <paramref name="timeout"/>.</summary>
    public static async Task<UnixHttpResponse> PostAsync(
        string socketPath, string path, byte[] body, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            try
            {
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), deadline.Token).ConfigureAwait(false);
            }
            catch (SocketException ex)
            {
                throw new DaemonUnreachableException(ex);
            }

            var head = Encoding.ASCII.GetBytes(
                $"POST {path} HTTP/1.1\r\nHost: vmnet-daemon\r\nUser-Agent: vmnet-cni\r\nContent-Type: application/json\r\n" +
                $"Accept: application/json\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n");
            await socket.SendAsync(head, SocketFlags.None, deadline.Token).ConfigureAwait(false);
            await socket.SendAsync(body, SocketFlags.None, deadline.Token).ConfigureAwait(false);

            var received = new byte[8 * 1024];
            var length = 0;
            while (true)
            {
                if (length == received.Length)
                {
                    if (received.Length >= MaxResponseBytes)
                    {
                        throw new HttpProtocolException($"response is larger than {MaxResponseBytes} bytes");
                    }

                    Array.Resize(ref received, received.Length * 2);
                }

                var read = await socket.ReceiveAsync(received.AsMemory(length), SocketFlags.None, deadline.Token).ConfigureAwait(false);
                length += read;
                if (HttpResponseParser.TryParse(received.AsSpan(0, length), endOfStream: read == 0) is { } response)
                {
                    return response;
                }

                if (read == 0)
                {
                    throw length == 0
                        ? new IOException("the daemon closed the connection without answering")
                        : new HttpProtocolException($"connection closed after {length} bytes of an incomplete response");
                }
            }
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"no answer from {socketPath} within {timeout}", ex);
        }
    }
}

/// <summary>Status and (de-chunked) body of an HTTP response.</summary>
internal sealed record UnixHttpResponse(int Status, byte[] Body);

/// <summary>The peer spoke something that is not HTTP/1.x as PROTOCOL.md describes it.</summary>
internal sealed class HttpProtocolException : Exception
{
    public HttpProtocolException()
    {
    }

    public HttpProtocolException(string message)
        : base(message)
    {
    }

    public HttpProtocolException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

/// <summary>connect(2) on the daemon socket failed: the daemon is not running (or not yet).</summary>
internal sealed class DaemonUnreachableException : Exception
{
    public DaemonUnreachableException(SocketException socket)
        : base(socket.Message, socket) => Socket = socket;

    public DaemonUnreachableException(string message, SocketException socket)
        : base(message, socket) => Socket = socket;

    public DaemonUnreachableException()
        : this(new SocketException())
    {
    }

    public DaemonUnreachableException(string message)
        : base(message) => Socket = new SocketException();

    public DaemonUnreachableException(string message, Exception inner)
        : base(message, inner) => Socket = inner as SocketException ?? new SocketException();

    public SocketException Socket { get; }
}
