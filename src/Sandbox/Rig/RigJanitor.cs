namespace VmNet.Sandbox.Rig;

/// <summary>
/// Removes what crashed rig runs left behind: for every run directory whose owner process is gone,
/// kills the recorded daemons (only if the PID still runs the recorded executable with the recorded start
/// time, so a reused PID is never hit), deletes its
/// network namespaces and root-namespace links, and deletes the directory.
/// </summary>
public static class RigJanitor
{
    /// <summary>Run directories are named vmnet-rig-&lt;run id&gt; under this root.</summary>
    public static string DefaultRoot => Path.GetTempPath();

    /// <summary>Cleans every dead run under <paramref name="root"/>; returns the directories removed.</summary>
    public static async Task<IReadOnlyList<string>> CleanDeadRunsAsync(string? root = null, CancellationToken cancellationToken = default)
    {
        var removed = new List<string>();
        var searchRoot = root ?? DefaultRoot;
        if (!Directory.Exists(searchRoot))
        {
            return removed;
        }

        foreach (var dir in Directory.GetDirectories(searchRoot, "vmnet-rig-" + RigRunId.Prefix + "*"))
        {
            // No owner file: not a rig manifest (or one being written this instant); leave it alone.
            if (RigManifest.ReadOwner(dir) is null || IsOwnerAlive(dir))
            {
                continue;
            }

            try
            {
                await CleanRunAsync(dir, cancellationToken).ConfigureAwait(false);
                removed.Add(dir);
            }
            catch (DirectoryNotFoundException)
            {
                // Another janitor (a parallel test process) cleaned it first.
            }
        }

        return removed;
    }

    /// <summary>True while the process that built the rig in <paramref name="directory"/> still runs.</summary>
    public static bool IsOwnerAlive(string directory)
    {
        var owner = RigManifest.ReadOwner(directory);
        return owner is { } o && ProcessSignals.IsAlive(o.Pid) && ProcessStartTime.Read(o.Pid) == o.StartTime;
    }

    /// <summary>Kills recorded daemons, deletes recorded netns and links, then the directory itself.</summary>
    public static async Task CleanRunAsync(string directory, CancellationToken cancellationToken)
    {
        var pids = RigManifest.ReadPidRecords(directory)
            .Where(p => ProcessSignals.IsAlive(p.Pid) && ProcessStartTime.Read(p.Pid) == p.StartTime && IsSameExecutable(p.Pid, p.Name))
            .Select(p => p.Pid)
            .Distinct()
            .ToList();
        await ProcessSignals.TerminateAsync(pids, TimeSpan.FromSeconds(3), cancellationToken).ConfigureAwait(false);

        foreach (var netns in RigManifest.ReadNetns(directory).Reverse().Distinct())
        {
            await NetworkNamespace.DeleteAsync(netns, cancellationToken).ConfigureAwait(false);

            // A vmnet-daemon serving a node in this netns keeps pre-plugged holding ends in "<netns>-hold".
            if (NetworkNamespace.Exists(netns + "-hold"))
            {
                await NetworkNamespace.DeleteAsync(netns + "-hold", cancellationToken).ConfigureAwait(false);
            }
        }

        foreach (var link in RigManifest.ReadLinks(directory).Distinct())
        {
            // A veth still in the root namespace only if the run crashed between creating and moving it.
            if (Directory.Exists(Path.Combine("/sys/class/net", link)))
            {
                await CommandRunner.RunAsync("ip", ["link", "del", link], cancellationToken: cancellationToken).ConfigureAwait(false);
            }
        }

        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    // /proc/PID/comm is truncated to 15 characters ("ovn-controller" fits, so do the others).
    private static bool IsSameExecutable(int pid, string name)
    {
        var comm = ProcessSignals.CommandName(pid);
        return comm is not null && name.StartsWith(comm, StringComparison.Ordinal);
    }
}
