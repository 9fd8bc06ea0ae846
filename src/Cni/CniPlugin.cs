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
            // Read stdin even for VERSION (whose answer does not depend on it): a caller writing the
            // netconf must not get EPIPE because we exited first (Go's os/exec ignores it; others may not).
            var input = ReadStdin();
            if (env.Command == "VERSION")
            {
                Write(CniVersionInfo.CurrentJson());
                return 0;
            }

            var command = env.ParseCommand();
            var conf = NetConfParser.Parse(input);
            requestedVersion = conf.CniVersion;
            var invocation = CniInvocationBuilder.Build(command, env, conf);
            var output = await new DaemonCall(invocation).RunAsync(cancellationToken).ConfigureAwait(false);
            if (output is not null)
            {
                Write(output);
            }

            return 0;
        }
        catch (CniException ex)
        {
            WriteError(ex.ToError(CniInvocationBuilder.ErrorVersionFor(requestedVersion)));
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
            WriteError(error);
            return 1;
        }
    }

    // Blocking reads and writes on purpose: stdin/stdout are pipes from the runtime, and their
    // ReadAsync/WriteAsync would hand a blocking call to the thread pool, starting it (and costing
    // ~0.3 ms of a ~1.5 ms run) for nothing in a single-threaded process.
    private byte[] ReadStdin()
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = stdin.Read(chunk)) > 0)
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

    private void WriteError(CniError error) =>
        Write(JsonSerializer.SerializeToUtf8Bytes(error, CniJsonContext.Output.CniError));

    private void Write(byte[] json)
    {
        stdout.Write(json);
        stdout.Write("\n"u8);
        stdout.Flush();
    }
}
