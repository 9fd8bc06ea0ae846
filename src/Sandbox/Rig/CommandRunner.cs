using System.Diagnostics;
using System.Text;

namespace VmNet.Sandbox.Rig;

/// <summary>
/// Runs rig tools (ovs-vsctl, ip, ovn-nbctl, ping...) with an argument list (no shell quoting),
/// a bounded run time and captured output.
/// </summary>
public static class CommandRunner
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(20);

    /// <summary>Runs the command and returns its result whatever the exit code; throws only on timeout or if it cannot start.</summary>
    public static async Task<CommandResult> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        TimeSpan? timeout = null,
        IReadOnlyDictionary<string, string>? environment = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(fileName);
        var args = arguments.ToList();
        var commandLine = Format(fileName, args);
        var startInfo = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            startInfo.ArgumentList.Add(a);
        }

        if (environment is not null)
        {
            foreach (var (key, value) in environment)
            {
                startInfo.Environment[key] = value;
            }
        }

        var stopwatch = Stopwatch.StartNew();
        using var process = new Process { StartInfo = startInfo };
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, e) => Append(stdout, e.Data);
        process.ErrorDataReceived += (_, e) => Append(stderr, e.Data);
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new RigCommandException($"cannot start '{commandLine}': {ex.Message} (is the tool installed and on PATH?)", ex);
        }

        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var limit = timeout ?? DefaultTimeout;
        using var timeoutCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutCts.CancelAfter(limit);
        try
        {
            await process.WaitForExitAsync(timeoutCts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            TryKill(process);
            cancellationToken.ThrowIfCancellationRequested();
            var partial = new CommandResult(commandLine, -1, Snapshot(stdout), Snapshot(stderr), stopwatch.Elapsed);
            throw new RigCommandException(
                $"'{commandLine}' did not finish within {limit.TotalSeconds:0.#} s; stderr: {Tail(partial.Stderr)}; stdout: {Tail(partial.Stdout)}")
            {
                Result = partial,
            };
        }

        return new CommandResult(commandLine, process.ExitCode, Snapshot(stdout), Snapshot(stderr), stopwatch.Elapsed);
    }

    /// <summary>Runs the command and throws <see cref="RigCommandException"/> unless it exits 0.</summary>
    public static async Task<CommandResult> RunCheckedAsync(
        string fileName,
        IEnumerable<string> arguments,
        TimeSpan? timeout = null,
        IReadOnlyDictionary<string, string>? environment = null,
        CancellationToken cancellationToken = default)
    {
        var result = await RunAsync(fileName, arguments, timeout, environment, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new RigCommandException(
                $"'{result.CommandLine}' exited with {result.ExitCode}; stderr: {Tail(result.Stderr)}; stdout: {Tail(result.Stdout)}")
            {
                Result = result,
            };
        }

        return result;
    }

    internal static string Tail(string text, int maxChars = 1500)
    {
        var trimmed = text.Trim();
        return trimmed.Length == 0 ? "(empty)" : trimmed.Length <= maxChars ? trimmed : "..." + trimmed[^maxChars..];
    }

    private static void Append(StringBuilder sb, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (sb)
        {
            sb.Append(line).Append('\n');
        }
    }

    private static string Snapshot(StringBuilder sb)
    {
        lock (sb)
        {
            return sb.ToString();
        }
    }

    private static void TryKill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // already exited
        }
    }

    private static string Format(string fileName, List<string> args) =>
        string.Join(' ', new[] { fileName }.Concat(args.Select(a => a.Length == 0 || a.Any(char.IsWhiteSpace) || a.Contains('"') ? "'" + a + "'" : a)));
}
