using System.Runtime.InteropServices;

namespace VmNet.Bench.Ipam;

/// <summary>
/// CPU time consumed by the calling thread (Linux <c>CLOCK_THREAD_CPUTIME_ID</c>). On a machine shared by
/// many processes wall-clock time of a 1 ms block is mostly scheduling noise; thread CPU time measures
/// the work done, which is what a "no slow-down" comparison needs.
/// </summary>
internal static class ThreadCpuClock
{
    private const int ClockThreadCpuTimeId = 3;

    public static TimeSpan Now()
    {
        if (!OperatingSystem.IsLinux() || NativeMethods.clock_gettime(ClockThreadCpuTimeId, out var spec) != 0)
        {
            throw new PlatformNotSupportedException("thread CPU time needs Linux clock_gettime");
        }

        return TimeSpan.FromTicks((spec.Seconds * TimeSpan.TicksPerSecond) + (spec.Nanoseconds / 100));
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    private static class NativeMethods
    {
        [DllImport("libc", SetLastError = false)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int clock_gettime(int clockId, out TimeSpec time);
    }
}
