using System.Globalization;

namespace VmNet.Sandbox.Rig;

/// <summary>
/// Process start time in clock ticks since boot (/proc/PID/stat field 22). A PID plus its start time
/// identifies a process even after the PID number has been reused.
/// </summary>
public static class ProcessStartTime
{
    public static long? Read(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
        }
        catch (IOException)
        {
            return null;
        }

        // Fields after "(comm)": state is field 3, starttime field 22 => index 19 after the ')'.
        var rest = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return rest.Length > 19 && long.TryParse(rest[19], NumberStyles.Integer, CultureInfo.InvariantCulture, out var ticks) ? ticks : null;
    }
}
