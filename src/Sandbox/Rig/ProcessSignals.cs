using System.Globalization;
using System.Runtime.InteropServices;

namespace VmNet.Sandbox.Rig;

/// <summary>
/// Signals and liveness checks for daemons we started with --detach: they are not our children,
/// so System.Diagnostics.Process cannot stop them gracefully; we go by PID.
/// </summary>
public static class ProcessSignals
{
    private const int SigKill = 9;
    private const int SigTerm = 15;

    /// <summary>True if the PID exists and is not a zombie (a killed detached daemon can linger as Z until reaped).</summary>
    public static bool IsAlive(int pid)
    {
        if (pid <= 0)
        {
            return false;
        }

        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return true;
        }

        // The command name is in parentheses and may contain spaces; the state follows the last ')'.
        var close = stat.LastIndexOf(')');
        if (close < 0 || close + 2 >= stat.Length)
        {
            return false;
        }

        var state = stat[close + 2];
        return state is not ('Z' or 'X');
    }

    /// <summary>Name of the executable running as <paramref name="pid"/>, or null if gone.</summary>
    public static string? CommandName(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/comm").Trim();
        }
        catch (IOException)
        {
            return null;
        }
    }

    public static bool SendTerm(int pid) => pid > 0 && Kill(pid, SigTerm) == 0;

    public static bool SendKill(int pid) => pid > 0 && Kill(pid, SigKill) == 0;

    /// <summary>SIGTERM every PID, wait up to <paramref name="grace"/>, then SIGKILL the survivors and wait for them to go.</summary>
    public static async Task TerminateAsync(IReadOnlyCollection<int> pids, TimeSpan grace, CancellationToken cancellationToken)
    {
        foreach (var pid in pids)
        {
            SendTerm(pid);
        }

        if (await WaitGoneAsync(pids, grace, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        await KillAsync(pids, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>SIGKILL every PID and wait (bounded) until none is alive.</summary>
    public static async Task KillAsync(IReadOnlyCollection<int> pids, CancellationToken cancellationToken)
    {
        foreach (var pid in pids.Where(IsAlive))
        {
            SendKill(pid);
        }

        if (!await WaitGoneAsync(pids, TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false))
        {
            var alive = string.Join(", ", pids.Where(IsAlive));
            throw new RigException($"processes {alive} still alive 5 s after SIGKILL");
        }
    }

    /// <summary>Polls until no PID is alive; false if some are still alive after <paramref name="timeout"/>.</summary>
    public static async Task<bool> WaitGoneAsync(IEnumerable<int> pids, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var list = pids.ToList();
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (!list.Any(IsAlive))
            {
                return true;
            }

            if (DateTime.UtcNow >= deadline)
            {
                return false;
            }

            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Kill(int pid, int signal);
}
