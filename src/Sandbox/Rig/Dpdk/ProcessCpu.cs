using System.Globalization;

namespace VmNet.Sandbox.Rig.Dpdk;

/// <summary>CPU time a process has used (utime + stime of /proc/PID/stat, all threads), for PMD busy-poll measurements.</summary>
public static class ProcessCpu
{
    /// <summary>USER_HZ is 100 on every Linux this runs on (sysconf(_SC_CLK_TCK)).</summary>
    private const double TicksPerSecond = 100;

    public static TimeSpan Used(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
        // Fields after the ")" that closes the command name: state is field 3, utime 14, stime 15.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / TicksPerSecond);
    }

    /// <summary>CPU used by <paramref name="pid"/> during <paramref name="window"/>.</summary>
    public static async Task<TimeSpan> MeasureAsync(int pid, TimeSpan window, CancellationToken cancellationToken)
    {
        var before = Used(pid);
        await Task.Delay(window, cancellationToken).ConfigureAwait(false);
        return Used(pid) - before;
    }
}
