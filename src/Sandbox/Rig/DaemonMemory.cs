using System.Globalization;

namespace VmNet.Sandbox.Rig;

/// <summary>Resident memory of daemons, from /proc/PID/status VmRSS.</summary>
public static class DaemonMemory
{
    public static long RssBytes(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    var kb = line["VmRSS:".Length..].Trim().Split(' ')[0];
                    return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (IOException)
        {
            return 0;
        }

        return 0;
    }

    public static long TotalRssBytes(IEnumerable<int> pids) => pids.Sum(RssBytes);
}
