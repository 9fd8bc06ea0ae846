using System.Globalization;
using VmNet.Sandbox.Demo;
using VmNet.Sandbox.Rig;

namespace VmNet.Sandbox.Cli;

/// <summary>
/// `make sandbox` / `make sandbox-down` around a background `vmnet-sandbox serve`: waiting for it to be
/// ready (or to fail), and stopping it by the PID that holds the sandbox lock.
/// </summary>
public static class SandboxControl
{
    public const string ServePidFile = "serve.pid";
    public const string LogFile = "sandbox.log";

    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Waits until the serve process (serve.pid) wrote the ready file; prints its log either way.</summary>
    public static async Task<int> WaitReadyAsync(SandboxPaths paths, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(output);
        var servePid = ReadPid(Path.Combine(paths.StateDirectory, ServePidFile))
            ?? throw new FileNotFoundException($"{ServePidFile} is missing in {paths.StateDirectory}: start the sandbox with `make sandbox`");
        var deadline = DateTime.UtcNow + ReadyTimeout;
        while (DateTime.UtcNow < deadline)
        {
            if (ReadPid(paths.ReadyFile) == servePid)
            {
                await output.WriteLineAsync(ReadLog(paths.StateDirectory)).ConfigureAwait(false);
                return 0;
            }

            if (!ProcessSignals.IsAlive(servePid))
            {
                await output.WriteLineAsync(ReadLog(paths.StateDirectory)).ConfigureAwait(false);
                await output.WriteLineAsync($"vmnet-sandbox: the sandbox (pid {servePid}) exited before it was ready; see above").ConfigureAwait(false);
                return 1;
            }

            await Task.Delay(200, cancellationToken).ConfigureAwait(false);
        }

        await output.WriteLineAsync(ReadLog(paths.StateDirectory)).ConfigureAwait(false);
        await output.WriteLineAsync($"vmnet-sandbox: not ready after {ReadyTimeout.TotalSeconds} s; stop it with `make sandbox-down`").ConfigureAwait(false);
        return 1;
    }

    /// <summary>SIGTERM to the lock holder, then waits until the lock is free (the holder has torn everything down).</summary>
    public static async Task<int> DownAsync(string stateDirectory, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (TryLock(stateDirectory))
        {
            await output.WriteLineAsync("vmnet-sandbox: no sandbox is running").ConfigureAwait(false);
            return 0;
        }

        var pid = ReadPid(Path.Combine(stateDirectory, "lock.pid"))
            ?? throw new InvalidOperationException($"the sandbox lock in {stateDirectory} is held but lock.pid is missing");
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"vmnet-sandbox: stopping the sandbox (pid {pid})...")).ConfigureAwait(false);
        ProcessSignals.SendTerm(pid);
        var deadline = DateTime.UtcNow + StopTimeout;
        while (DateTime.UtcNow < deadline)
        {
            if (TryLock(stateDirectory))
            {
                var log = ReadLog(stateDirectory).TrimEnd().Split('\n');
                await output.WriteLineAsync(string.Join('\n', log.TakeLast(4))).ConfigureAwait(false);
                return 0;
            }

            await Task.Delay(200, cancellationToken).ConfigureAwait(false);
        }

        await output.WriteLineAsync($"vmnet-sandbox: pid {pid} still holds the sandbox after {StopTimeout.TotalSeconds} s").ConfigureAwait(false);
        return 1;
    }

    private static bool TryLock(string stateDirectory)
    {
        try
        {
            using var probe = SandboxLock.Acquire(stateDirectory);
            return true;
        }
        catch (SandboxBusyException)
        {
            return false;
        }
    }

    private static int? ReadPid(string path)
    {
        try
        {
            return int.TryParse(File.ReadAllText(path).Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid) ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static string ReadLog(string stateDirectory)
    {
        var path = Path.Combine(stateDirectory, LogFile);
        return File.Exists(path) ? File.ReadAllText(path) : $"({path} is missing)";
    }
}
