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
    /// Blocking calls on the calling thread on purpose (the task is complete when returned): the process only waits
    /// for one answer, and every further thread (.NET's epoll thread, thread-pool workers) would have to be scheduled
    /// on a busy node before the answer is read. Cancellation shuts the socket down, which ends a blocked call.
    /// </remarks>
    public static Task<UnixHttpResponse> PostAsync(
        string socketPath, string path, byte[] body, TimeSpan timeout, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var deadline = DateTime.UtcNow + timeout;
        using var socket = UnixStream.Connect(socketPath);
        using (cancellationToken.Register(socket.Abort))
        {
            try
            {
                // Head and body in one write: a server woken by the head alone would wait again for the body.
                var head = Encoding.ASCII.GetBytes(
                    $"POST {path} HTTP/1.1\r\nHost: vmnet-daemon\r\nUser-Agent: vmnet-cni\r\nContent-Type: application/json\r\n" +
                    $"Accept: application/json\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n");
                var request = new byte[head.Length + body.Length];
                head.CopyTo(request, 0);
                body.CopyTo(request, head.Length);
                socket.Send(request, deadline);
                return Task.FromResult(ReadResponse(socket, deadline));
            }
            catch (Exception ex) when (cancellationToken.IsCancellationRequested && ex is UnixSocketException or IOException or HttpProtocolException)
            {
                throw new OperationCanceledException("the CNI call was cancelled", ex, cancellationToken);
            }
            catch (TimeoutException ex)
            {
                throw new TimeoutException($"no answer from {socketPath} within {timeout}", ex);
            }
        }
    }

    private static UnixHttpResponse ReadResponse(UnixStream socket, DateTime deadline)
    {
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

            var read = socket.Receive(received.AsSpan(length), deadline);
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
    public DaemonUnreachableException(int errno)
        : base(Errno.Describe(errno)) => ErrorNumber = errno;

    public DaemonUnreachableException(string message, int errno)
        : base(message) => ErrorNumber = errno;

    public DaemonUnreachableException()
    {
    }

    public DaemonUnreachableException(string message)
        : base(message)
    {
    }

    public DaemonUnreachableException(string message, Exception inner)
        : base(message, inner)
    {
    }

    /// <summary>connect's errno (0 when not from a connect).</summary>
    public int ErrorNumber { get; }
}
