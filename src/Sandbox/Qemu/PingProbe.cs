using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace VmNet.Sandbox.Qemu;

/// <summary>
/// `ping -D -i INTERVAL -W 1 TARGET` running inside a netns until stopped with SIGINT (ping then prints its
/// totals). Reply times come from ping's own -D stamps (gettimeofday when the reply was read).
/// </summary>
public sealed partial class PingProbe : IAsyncDisposable
{
    private const int SigInt = 2;
    private readonly Process process;
    private readonly Task<string> stdout;
    private PingResult? result;

    private PingProbe(Process process, string netns, string target)
    {
        this.process = process;
        Netns = netns;
        Target = target;
        stdout = process.StandardOutput.ReadToEndAsync();
    }

    public string Netns { get; }

    public string Target { get; }

    /// <summary>Starts pinging; `ip netns exec` execs ping, so the PID is ping's.</summary>
    public static PingProbe Start(string netns, string target, TimeSpan interval)
    {
        var startInfo = new ProcessStartInfo("ip")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "netns", "exec", netns, "ping", "-D", "-n", "-i", interval.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture), "-W", "1", target })
        {
            startInfo.ArgumentList.Add(a);
        }

        var process = Process.Start(startInfo) ?? throw new QemuException($"cannot start ping in {netns}");
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        return new PingProbe(process, netns, target);
    }

    /// <summary>Stops ping (SIGINT) and parses its replies and totals.</summary>
    public async Task<PingResult> StopAsync(CancellationToken cancellationToken = default)
    {
        if (result is not null)
        {
            return result;
        }

        if (!process.HasExited)
        {
            _ = Kill(process.Id, SigInt);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            process.Kill();
            throw new QemuException($"ping {Target} in {Netns} did not stop on SIGINT");
        }

        result = Parse(await stdout.ConfigureAwait(false));
        return result;
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill();
            await process.WaitForExitAsync().ConfigureAwait(false);
        }

        process.Dispose();
    }

    public static PingResult Parse(string output)
    {
        var replies = new List<DateTimeOffset>();
        int? transmitted = null;
        int? received = null;
        foreach (var line in output.Split('\n'))
        {
            var reply = ReplyLine().Match(line);
            if (reply.Success && !line.Contains("DUP!", StringComparison.Ordinal))
            {
                var seconds = double.Parse(reply.Groups[1].Value, CultureInfo.InvariantCulture);
                replies.Add(DateTimeOffset.UnixEpoch.AddTicks((long)(seconds * TimeSpan.TicksPerSecond)));
                continue;
            }

            var totals = TotalsLine().Match(line);
            if (totals.Success)
            {
                transmitted = int.Parse(totals.Groups[1].Value, CultureInfo.InvariantCulture);
                received = int.Parse(totals.Groups[2].Value, CultureInfo.InvariantCulture);
            }
        }

        if (transmitted is null || received is null)
        {
            throw new QemuException("ping printed no totals line: " + (output.Length > 500 ? output[^500..] : output));
        }

        return new PingResult(replies, transmitted.Value, received.Value);
    }

    [GeneratedRegex(@"^\[(\d+\.\d+)\] \d+ bytes from")]
    private static partial Regex ReplyLine();

    [GeneratedRegex(@"(\d+) packets transmitted, (\d+) received")]
    private static partial Regex TotalsLine();

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Kill(int pid, int signal);
}
