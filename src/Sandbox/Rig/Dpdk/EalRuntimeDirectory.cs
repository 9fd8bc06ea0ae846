namespace VmNet.Sandbox.Rig.Dpdk;

/// <summary>
/// A DPDK primary's runtime directory <c>/var/run/dpdk/&lt;file-prefix&gt;</c>. EAL keeps a flock on each
/// <c>fbarray_*</c> file there for the life of the process; a new primary with the same prefix whose
/// exclusive flock on <c>fbarray_memzone</c> fails aborts with "Cannot allocate memzone list". That is what a
/// vswitchd restart hit when the new process started while the old one was still exiting.
/// </summary>
public static class EalRuntimeDirectory
{
    public const string Root = "/var/run/dpdk";

    public static string PathOf(string filePrefix) => Path.Combine(Root, filePrefix);

    /// <summary>The <c>--file-prefix=</c> value in an EAL argument string (OVS other_config dpdk-extra); null when absent.</summary>
    public static string? FilePrefixOf(string? ealArguments)
    {
        const string option = "--file-prefix=";
        return ealArguments?.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(a => a.StartsWith(option, StringComparison.Ordinal))?[option.Length..];
    }

    /// <summary>True when some process still holds a lock on one of the directory's fbarray files.</summary>
    public static bool IsInUse(string filePrefix)
    {
        var dir = PathOf(filePrefix);
        if (!Directory.Exists(dir))
        {
            return false;
        }

        foreach (var file in Directory.GetFiles(dir, "fbarray_*"))
        {
            try
            {
                // On Unix, FileShare.None takes flock(LOCK_EX | LOCK_NB): it fails exactly when EAL's would.
                using var probe = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.None);
            }
            catch (IOException) when (File.Exists(file))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Waits until no process holds the directory's locks, then deletes it, so the next primary starts from
    /// nothing; throws <see cref="RigException"/> naming the prefix when it stays locked past <paramref name="timeout"/>.
    /// </summary>
    public static async Task ReleaseAsync(string filePrefix, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (IsInUse(filePrefix))
        {
            if (DateTime.UtcNow >= deadline)
            {
                throw new RigException($"DPDK runtime directory {PathOf(filePrefix)} still locked {timeout.TotalSeconds:0} s after its process exited: another primary uses --file-prefix={filePrefix}");
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }

        Delete(filePrefix);
    }

    /// <summary>
    /// Deletes the runtime directories of rig runs (prefix <see cref="RigRunId.Prefix"/>) that no process holds and
    /// that are older than <paramref name="minimumAge"/> (default 10 min): what crashed or killed test runs left
    /// behind. The age keeps the probe away from a primary of a parallel run that is initialising right now (its
    /// own exclusive flock would fail while the probe holds one).
    /// </summary>
    public static IReadOnlyList<string> RemoveAbandoned(TimeSpan? minimumAge = null)
    {
        var cutoff = DateTime.UtcNow - (minimumAge ?? TimeSpan.FromMinutes(10));
        if (!Directory.Exists(Root))
        {
            return [];
        }

        var removed = new List<string>();
        foreach (var dir in Directory.GetDirectories(Root, RigRunId.Prefix + "*"))
        {
            var prefix = Path.GetFileName(dir);
            if (Directory.GetLastWriteTimeUtc(dir) < cutoff && !IsInUse(prefix))
            {
                Delete(prefix);
                removed.Add(dir);
            }
        }

        return removed;
    }

    private static void Delete(string filePrefix)
    {
        try
        {
            Directory.Delete(PathOf(filePrefix), recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
            // Already gone.
        }
    }
}
