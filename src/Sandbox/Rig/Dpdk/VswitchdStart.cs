namespace VmNet.Sandbox.Rig.Dpdk;

/// <summary>
/// Starts a node's ovs-vswitchd, the first time (<see cref="OvsNode.StartAsync"/>) and after a restart
/// (<see cref="VswitchdRestart"/>) alike. For the DPDK build EAL can abort at init ("Cannot allocate memzone list")
/// when its runtime directory is still locked by a primary that has not quite gone, or under heavy load; so before
/// each attempt the node's EAL runtime directory is released (waited for, then deleted), and a failed start is
/// retried after a settle. The plain build has no runtime directory and gets the same retries.
/// </summary>
public static class VswitchdStart
{
    public const int Attempts = 3;

    public static readonly TimeSpan LockRelease = TimeSpan.FromSeconds(10);

    public static readonly TimeSpan Settle = TimeSpan.FromSeconds(1);

    /// <summary>Starts ovs-vswitchd for <paramref name="options"/> against <paramref name="ovsdbConnection"/> inside its netns.</summary>
    public static Task<DaemonProcess> StartAsync(OvsNodeOptions options, string ovsdbConnection, RigManifest? manifest, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var dir = Path.GetFullPath(options.Directory);
        var pidFile = Path.Combine(dir, "ovs-vswitchd.pid");
        var log = Path.Combine(dir, "ovs-vswitchd.log");
        return WithRetriesAsync(
            options.Name,
            EalRuntimeDirectory.FilePrefixOf(options.OtherConfig?.GetValueOrDefault("dpdk-extra")),
            pidFile,
            ct => DaemonProcess.StartAsync(
                "ovs-vswitchd",
                "ip",
                [
                    // Inside the node netns: it opens the veths there (AF_PACKET), creates the tap devices of internal
                    // ports there and routes tunnel packets with that netns' table.
                    "netns", "exec", options.Netns, "env", "OVS_RUNDIR=" + dir,
                    options.VswitchdBinary, ovsdbConnection,
                    "--pidfile=" + pidFile, "--unixctl=" + Path.Combine(dir, "ovs-vswitchd.ctl"),
                    "--log-file=" + log, "--detach", "--no-chdir",
                ],
                pidFile,
                log,
                options.Timeout,
                manifest,
                ct),
            Settle,
            cancellationToken);
    }

    /// <summary>
    /// The retry rule on its own: up to <see cref="Attempts"/> calls of <paramref name="start"/>; before each, the EAL
    /// runtime directory <paramref name="filePrefix"/> (if any) is released; after a failed one (a
    /// <see cref="RigException"/>), a half-started process named by <paramref name="pidFile"/> is killed and
    /// <paramref name="settle"/> waited. The last failure propagates.
    /// </summary>
    public static async Task<T> WithRetriesAsync<T>(
        string nodeName, string? filePrefix, string pidFile, Func<CancellationToken, Task<T>> start, TimeSpan settle, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(start);
        for (var attempt = 1; ; attempt++)
        {
            if (filePrefix is not null)
            {
                await EalRuntimeDirectory.ReleaseAsync(filePrefix, LockRelease, cancellationToken).ConfigureAwait(false);
            }

            try
            {
                return await start(cancellationToken).ConfigureAwait(false);
            }
            catch (RigException e) when (attempt < Attempts)
            {
                // A failed EAL init aborts the process before --detach returns; whatever it left is released above.
                Console.Error.WriteLine($"ovs-vswitchd on {nodeName}: start attempt {attempt} failed, retrying after {settle.TotalSeconds:0.#} s: {e.Message}");
                if (PidFile.TryRead(pidFile) is { } half && ProcessSignals.IsAlive(half))
                {
                    await ProcessSignals.KillAsync([half], cancellationToken).ConfigureAwait(false);
                }

                await Task.Delay(settle, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
