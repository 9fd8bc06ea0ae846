using System.Text.Json;

namespace VmNet.Cni;

/// <summary>
/// One CNI invocation: env + stdin in, result or CNI error JSON on stdout, exit code 0 or 1.
/// All work is delegated to the daemon; this class only validates, forwards and translates.
/// </summary>
internal sealed class CniPlugin
{
    private const int MaxStdinBytes = 8 * 1024 * 1024;

    private readonly CniEnvironment env;
    private readonly Stream stdin;
    private readonly Stream stdout;

    public CniPlugin(CniEnvironment env, Stream stdin, Stream stdout)
    {
        this.env = env;
        this.stdin = stdin;
        this.stdout = stdout;
    }

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        string? requestedVersion = null;
        try
        {
            // VERSION does not depend on stdin (libcni's skel ignores it too): answer without reading it.
            if (env.Command == "VERSION")
            {
                await WriteAsync(JsonSerializer.SerializeToUtf8Bytes(new CniVersionInfo(), CniJsonContext.Default.CniVersionInfo), cancellationToken).ConfigureAwait(false);
                return 0;
            }

            var input = await ReadStdinAsync(cancellationToken).ConfigureAwait(false);
            var command = env.ParseCommand();
            var conf = NetConfParser.Parse(input);
            requestedVersion = conf.CniVersion;
            var invocation = CniInvocationBuilder.Build(command, env, conf);
            var output = await new DaemonCall(invocation).RunAsync(cancellationToken).ConfigureAwait(false);
            if (output is not null)
            {
                await WriteAsync(output, cancellationToken).ConfigureAwait(false);
            }

            return 0;
        }
        catch (CniException ex)
        {
            await WriteErrorAsync(ex.ToError(CniInvocationBuilder.ErrorVersionFor(requestedVersion)), cancellationToken).ConfigureAwait(false);
            return 1;
        }
#pragma warning disable CA1031 // Anything unexpected must still reach the runtime as CNI error JSON, not a stack trace.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            var error = new CniError
            {
                CniVersion = CniInvocationBuilder.ErrorVersionFor(requestedVersion),
                Code = CniErrorCodes.InternalError,
                Msg = $"vmnet CNI plugin failed unexpectedly: {ex.GetType().Name}: {ex.Message}",
                Details = ex.ToString(),
            };
            await WriteErrorAsync(error, cancellationToken).ConfigureAwait(false);
            return 1;
        }
    }

    private async Task<byte[]> ReadStdinAsync(CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await stdin.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > MaxStdinBytes)
                {
                    throw new CniException(CniErrorCodes.IoFailure, $"network configuration on stdin is larger than {MaxStdinBytes} bytes");
                }

                buffer.Write(chunk, 0, read);
            }
        }
        catch (IOException ex)
        {
            throw new CniException(CniErrorCodes.IoFailure, $"failed to read network configuration from stdin: {ex.Message}", null, ex);
        }

        return buffer.ToArray();
    }

    private Task WriteErrorAsync(CniError error, CancellationToken cancellationToken) =>
        WriteAsync(JsonSerializer.SerializeToUtf8Bytes(error, CniJsonContext.Output.CniError), cancellationToken);

    private async Task WriteAsync(byte[] json, CancellationToken cancellationToken)
    {
        await stdout.WriteAsync(json, cancellationToken).ConfigureAwait(false);
        await stdout.WriteAsync("\n"u8.ToArray(), cancellationToken).ConfigureAwait(false);
        await stdout.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
