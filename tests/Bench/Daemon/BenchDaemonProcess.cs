using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using VmNet.Sandbox.Rig;

namespace VmNet.Bench.Daemon;

/// <summary>
/// The real vmnet-daemon executable serving the bench's node, in its own process as on a real node: an in-process
/// daemon would share the measuring process's thread pool, and its work after each answer would delay the bench's
/// noticing that the plugin exited (which the bridge plugin, with no daemon, never pays). Its log lines feed the
/// phase figures: each ADD line carries the container ID and the per-phase milliseconds.
/// </summary>
internal sealed partial class BenchDaemonProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly Dictionary<string, IReadOnlyDictionary<string, double>> byContainer = new(StringComparer.Ordinal);
    private readonly Lock sync = new();
    private readonly bool echo;

    private BenchDaemonProcess(Process process, bool echo)
    {
        this.process = process;
        this.echo = echo;
    }

    /// <summary>Starts the daemon with <paramref name="arguments"/> and waits until it serves <paramref name="socket"/>.</summary>
    public static async Task<BenchDaemonProcess> StartAsync(string socket, IReadOnlyList<string> arguments, RigManifest manifest, bool echo, CancellationToken cancellationToken)
    {
        var assembly = Path.Combine(AppContext.BaseDirectory, "vmnet-daemon.dll");
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(assembly);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.ArgumentList.Add("--socket");
        start.ArgumentList.Add(socket);
        var started = Stopwatch.StartNew();
        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start " + assembly);
        manifest.RecordPid(process.Id, "dotnet");
        var daemon = new BenchDaemonProcess(process, echo);
        process.OutputDataReceived += (_, e) => daemon.Read(e.Data);
        process.ErrorDataReceived += (_, e) => daemon.Read(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!File.Exists(socket))
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"vmnet-daemon did not come up on {socket} (exit {(process.HasExited ? process.ExitCode : "none")})");
            }

            await Task.Delay(5, cancellationToken).ConfigureAwait(false);
        }

        daemon.StartupMs = started.Elapsed.TotalMilliseconds;
        return daemon;
    }

    /// <summary>From the process start until the daemon's socket file existed (it is created once the daemon serves).</summary>
    public double StartupMs { get; private set; }

    /// <summary>Where the ADD started, in CLOCK_MONOTONIC microseconds (not a phase).</summary>
    public const string StartedUsKey = "StartedUs";

    /// <summary>The phases the daemon logged for the ADD of <paramref name="containerId"/> (the line may trail the answer a little).</summary>

    public async Task<IReadOnlyDictionary<string, double>> PhasesAsync(string containerId, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (true)
        {
            lock (sync)
            {
                if (byContainer.TryGetValue(containerId, out var phases))
                {
                    return phases;
                }
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"the daemon logged no ADD timings for container {containerId} (the figures would lie)");
            }

            await Task.Delay(5, cancellationToken).ConfigureAwait(false);
        }
    }

    private void Read(string? line)
    {
        if (line is null)
        {
            return;
        }

        if (echo)
        {
            Console.WriteLine("daemon: " + line);
        }

        var match = AddLine().Match(line);
        if (!match.Success)
        {
            return;
        }

        var phases = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["TotalMs"] = Number(match.Groups["total"].Value),
            [StartedUsKey] = Number(match.Groups["started"].Value),
        };
        foreach (var field in match.Groups["phases"].Value.Split(", "))
        {
            var cut = field.LastIndexOf(' ');
            phases[PhaseKey(field[..cut])] = Number(field[(cut + 1)..]);
        }

        lock (sync)
        {
            byContainer[match.Groups["container"].Value] = phases;
        }
    }

    // "stale port" -> StalePortMs, "ovn-installed" -> OvnInstalledMs: the daemon's structured field names.
    private static string PhaseKey(string label) =>
        string.Concat(label.Split(' ', '-').Select(w => char.ToUpperInvariant(w[0]) + w[1..])) + "Ms";

    private static double Number(string text) => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);

    [GeneratedRegex("""ADD .* container "?(?<container>[0-9a-z]+)"?: .* in (?<total>[0-9.]+) ms \((?<phases>[^)]*)\) from (?<started>[0-9]+) us""")]
    private static partial Regex AddLine();

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            await ProcessSignals.TerminateAsync([process.Id], TimeSpan.FromSeconds(10), CancellationToken.None).ConfigureAwait(false);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        }

        process.Dispose();
    }
}
