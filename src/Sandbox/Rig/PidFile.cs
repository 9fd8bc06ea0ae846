using System.Globalization;

namespace VmNet.Sandbox.Rig;

/// <summary>Reads the pidfiles OVS/OVN daemons write with --pidfile.</summary>
public static class PidFile
{
    public static int? TryRead(string path)
    {
        try
        {
            var text = File.ReadAllText(path).Trim();
            return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid) && pid > 0 ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    public static int Read(string path, string logPath) =>
        TryRead(path) ?? throw new RigException($"pidfile {path} missing or empty after start; log tail: {LogTail.Read(logPath)}");
}
