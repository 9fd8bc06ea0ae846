using System.Globalization;

namespace VmNet.Sandbox.Rig;

/// <summary>
/// Records everything a rig run creates (daemon PIDs, network namespaces, root-namespace links) in its
/// directory as it is created, so <see cref="RigJanitor"/> can clean up after a run that crashed.
/// Files: owner ("PID STARTTIME" of the process that built the rig), pids ("PID STARTTIME NAME" lines),
/// netns, links. Start times make a recorded PID safe to kill later: a reused PID has another start time.
/// </summary>
public sealed class RigManifest
{
    public const string OwnerFile = "owner";
    public const string PidsFile = "pids";
    public const string NetnsFile = "netns";
    public const string LinksFile = "links";

    private readonly Lock sync = new();

    private RigManifest(string directory) => Directory = directory;

    public string Directory { get; }

    /// <summary>Creates the run directory and records the current process as its owner.</summary>
    public static RigManifest Create(string directory)
    {
        System.IO.Directory.CreateDirectory(directory);
        var self = Environment.ProcessId;
        var start = ProcessStartTime.Read(self) ?? 0;
        File.WriteAllText(Path.Combine(directory, OwnerFile), string.Create(CultureInfo.InvariantCulture, $"{self} {start}\n"));
        return new RigManifest(directory);
    }

    public void RecordPid(int pid, string name) =>
        Append(PidsFile, string.Create(CultureInfo.InvariantCulture, $"{pid} {ProcessStartTime.Read(pid) ?? 0} {name}"));

    public void RecordNetns(string name) => Append(NetnsFile, name);

    public void RecordLink(string name) => Append(LinksFile, name);

    public static IReadOnlyList<(int Pid, string Name)> ReadPids(string directory) =>
        ReadPidRecords(directory).Select(r => (r.Pid, r.Name)).ToList();

    /// <summary>Every recorded daemon with the start time it had when recorded.</summary>
    public static IReadOnlyList<(int Pid, long StartTime, string Name)> ReadPidRecords(string directory) =>
        ReadLines(directory, PidsFile)
            .Select(l => l.Split(' ', 3))
            .Where(p => p.Length == 3
                && int.TryParse(p[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out _)
                && long.TryParse(p[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out _))
            .Select(p => (int.Parse(p[0], CultureInfo.InvariantCulture), long.Parse(p[1], CultureInfo.InvariantCulture), p[2]))
            .ToList();

    public static IReadOnlyList<string> ReadNetns(string directory) => ReadLines(directory, NetnsFile);

    public static IReadOnlyList<string> ReadLinks(string directory) => ReadLines(directory, LinksFile);

    /// <summary>The owner PID and start time, or null when the file is missing or malformed.</summary>
    public static (int Pid, long StartTime)? ReadOwner(string directory)
    {
        var lines = ReadLines(directory, OwnerFile);
        var parts = lines.Count > 0 ? lines[0].Split(' ') : [];
        return parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid)
            && long.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var start)
            ? (pid, start)
            : null;
    }

    private static List<string> ReadLines(string directory, string file)
    {
        var path = Path.Combine(directory, file);
        return File.Exists(path) ? File.ReadAllLines(path).Where(l => l.Length > 0).ToList() : [];
    }

    private void Append(string file, string line)
    {
        lock (sync)
        {
            File.AppendAllText(Path.Combine(Directory, file), line + "\n");
        }
    }
}
