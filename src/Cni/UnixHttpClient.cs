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
    /// <remarks>
    /// Blocking calls on the calling thread on purpose (the task is complete when returned): async socket
    /// operations would start .NET's epoll thread and thread-pool workers in a process that only waits for one
    /// answer, and each of those threads has to be scheduled on a busy node before the answer is read.
    /// Cancellation closes the socket, which ends a blocked call.
    /// </remarks>
    public static Task<UnixHttpResponse> PostAsync(
        string socketPath, string path, byte[] body, TimeSpan timeout, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var deadline = DateTime.UtcNow + timeout;
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        using var cancel = cancellationToken.Register(socket.Dispose);
        try
        {
            try
            {
                socket.Connect(new UnixDomainSocketEndPoint(socketPath));
            }
            catch (SocketException ex)
            {
                throw new DaemonUnreachableException(ex);
            }

            var head = Encoding.ASCII.GetBytes(
                $"POST {path} HTTP/1.1\r\nHost: vmnet-daemon\r\nUser-Agent: vmnet-cni\r\nContent-Type: application/json\r\n" +
                $"Accept: application/json\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n");
            Send(socket, head, deadline);
            Send(socket, body, deadline);

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

                socket.ReceiveTimeout = Remaining(deadline);
                var read = socket.Receive(received, length, received.Length - length, SocketFlags.None);
                length += read;
                if (HttpResponseParser.TryParse(received.AsSpan(0, length), endOfStream: read == 0) is { } response)
                {
                    return Task.FromResult(response);
                }

                if (read == 0)
                {
                    throw length == 0
                        ? new IOException("the daemon closed the connection without answering")
                        : new HttpProtocolException($"connection closed after {length} bytes of an incomplete response");
                }
            }
        }
        catch (Exception ex) when (cancellationToken.IsCancellationRequested && ex is SocketException or ObjectDisposedException)
        {
            throw new OperationCanceledException("the CNI call was cancelled", ex, cancellationToken);
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
        {
            throw new TimeoutException($"no answer from {socketPath} within {timeout}", ex);
        }
    }

    private static void Send(Socket socket, byte[] data, DateTime deadline)
    {
        for (var sent = 0; sent < data.Length;)
        {
            socket.SendTimeout = Remaining(deadline);
            sent += socket.Send(data, sent, data.Length - sent, SocketFlags.None);
        }
    }

    /// <summary>Milliseconds left for one blocking call (at least 1: 0 would mean "no timeout" to the socket).</summary>
    private static int Remaining(DateTime deadline)
    {
        var left = (deadline - DateTime.UtcNow).TotalMilliseconds;
        if (left <= 0)
        {
            throw new SocketException((int)SocketError.TimedOut);
        }

        return (int)Math.Min(int.MaxValue, Math.Max(1, Math.Ceiling(left)));
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
