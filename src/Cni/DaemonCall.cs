using System.Text;
using System.Text.Json;

namespace VmNet.Cni;

/// <summary>
/// Sends a validated invocation to the daemon and turns the answer into what the runtime sees:
/// the result JSON (ADD), nothing (DEL/CHECK/STATUS/GC), or a <see cref="CniException"/>.
/// </summary>
internal sealed class DaemonCall
{
    private readonly CniInvocation invocation;

    // The socket actually talked to (the fallback when the configured one does not exist).
    private string socket;

    public DaemonCall(CniInvocation invocation)
    {
        this.invocation = invocation;
        socket = invocation.SocketPath;
    }

    private string Path => DaemonProtocol.PathOf(invocation.Command);

    public async Task<byte[]?> RunAsync(CancellationToken cancellationToken)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(invocation.Request, CniJsonContext.Default.DaemonRequest);
        UnixHttpResponse response;
        try
        {
            response = await PostAsync(body, cancellationToken).ConfigureAwait(false);
        }
        catch (DaemonUnreachableException ex)
        {
            throw Unavailable(CniErrorCodes.TryAgainLater, ex.Message, ex);
        }
        catch (TimeoutException ex)
        {
            throw Unavailable(
                CniErrorCodes.DaemonTimeout,
                $"vmnet daemon at {socket} did not answer POST {Path} within {invocation.Timeout.TotalSeconds:0.###} s",
                ex);
        }
        catch (IOException ex)
        {
            throw Unavailable(CniErrorCodes.TryAgainLater, $"connection to vmnet daemon at {socket} failed during POST {Path}: {ex.Message}", ex);
        }
        catch (HttpProtocolException ex)
        {
            throw Unavailable(CniErrorCodes.DaemonProtocolError, $"vmnet daemon at {socket} answered POST {Path} with malformed HTTP: {ex.Message}", ex);
        }

        return response.Status is >= 200 and < 300 ? Success(response) : Failure(response);
    }

    private async Task<UnixHttpResponse> PostAsync(byte[] body, CancellationToken cancellationToken)
    {
        try
        {
            return await UnixHttpClient.PostAsync(socket, Path, body, invocation.Timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (DaemonUnreachableException primary) when (invocation.FallbackSocketPath is { } fallback && primary.ErrorNumber == Errno.ENOENT)
        {
            socket = fallback;
            try
            {
                return await UnixHttpClient.PostAsync(socket, Path, body, invocation.Timeout, cancellationToken).ConfigureAwait(false);
            }
            catch (DaemonUnreachableException secondary)
            {
                throw new DaemonUnreachableException(
                    $"vmnet daemon not reachable at {invocation.SocketPath}: {Errno.Describe(primary.ErrorNumber)}, nor at {fallback}: {Errno.Describe(secondary.ErrorNumber)}",
                    secondary.ErrorNumber);
            }
        }
        catch (DaemonUnreachableException ex)
        {
            throw new DaemonUnreachableException($"vmnet daemon not reachable at {socket}: {Errno.Describe(ex.ErrorNumber)}", ex.ErrorNumber);
        }
    }

    private byte[]? Success(UnixHttpResponse response)
    {
        if (invocation.Command != CniCommand.Add)
        {
            return null;
        }

        var result = Decode(response)?.Result
            ?? throw new CniException(
                CniErrorCodes.DaemonProtocolError,
                $"vmnet daemon at {socket} answered POST {Path} with HTTP {response.Status} but no \"result\"",
                Snippet(response.Body));
        try
        {
            CniResultParser.Validate(result, "result");
        }
        catch (CniException ex)
        {
            throw new CniException(
                CniErrorCodes.DaemonProtocolError,
                $"vmnet daemon at {socket} returned an invalid ADD result: {ex.Message}",
                Snippet(response.Body),
                ex);
        }

        if (invocation.PrevResult is { } previous)
        {
            result = CniResultMerger.Merge(previous, result);
        }

        return CniResultFormatter.Format(result, invocation.CniVersion);
    }

    private byte[]? Failure(UnixHttpResponse response)
    {
        var error = Decode(response)?.Error
            ?? throw new CniException(
                invocation.Command == CniCommand.Status ? CniErrorCodes.PluginNotAvailable : CniErrorCodes.DaemonProtocolError,
                $"vmnet daemon at {socket} answered POST {Path} with HTTP {response.Status} and no CNI error body",
                Snippet(response.Body));

        // DEL must succeed when there is nothing (left) to delete, so retries and double deletes are harmless.
        if (invocation.Command == CniCommand.Del && error.Code is CniErrorCodes.UnknownContainer or CniErrorCodes.PodNotFound)
        {
            return null;
        }

        throw new CniException(error.Code, error.Msg, error.Details);
    }

    private DaemonResponse? Decode(UnixHttpResponse response)
    {
        if (response.Body.Length == 0)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(response.Body, CniJsonContext.Default.DaemonResponse);
        }
        catch (JsonException ex)
        {
            throw new CniException(
                CniErrorCodes.DaemonProtocolError,
                $"vmnet daemon at {socket} answered POST {Path} (HTTP {response.Status}) with a body that is not a daemon response: {ex.Message}",
                Snippet(response.Body),
                ex);
        }
    }

    // STATUS reports any daemon trouble as "plugin not available" (50), the code runtimes act on.
    private CniException Unavailable(int code, string message, Exception inner) =>
        new(invocation.Command == CniCommand.Status ? CniErrorCodes.PluginNotAvailable : code, message, null, inner);

    private static string Snippet(byte[] body) =>
        Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 512));
}
