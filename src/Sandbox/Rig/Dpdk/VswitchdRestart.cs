namespace VmNet.Sandbox.Rig.Dpdk;

/// <summary>
/// Restarts a node's ovs-vswitchd the way an upgrade or crash-restart does (graceful <c>exit</c>, then the same
/// command line), keeping its ovsdb-server and ovn-controller. The new process is recorded in the rig manifest;
/// the caller stops it (the node still lists the old PID).
/// For the DPDK build the new process reuses the node's EAL <c>--file-prefix</c>: it must not start before the old
/// one has really gone (a zombie has released its files; a process still exiting has not) and its runtime
/// directory is unlocked, else EAL fails "Cannot allocate memzone list". A start that fails anyway is retried
/// after a settle.
/// </summary>
public static class VswitchdRestart
{
    public const int StartAttempts = 3;

    private static readonly TimeSpan ExitGrace = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan LockRelease = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(1);

    public static async Task<DaemonProcess> RestartAsync(OvsNode node, RigManifest? manifest, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(node);
        var dir = Path.GetFullPath(node.Options.Directory);
        var pidFile = Path.Combine(dir, "ovs-vswitchd.pid");
        var log = Path.Combine(dir, "ovs-vswitchd.log");
        // The pidfile names the running vswitchd even after an earlier restart (node.Vswitchd keeps the first PID).
        var old = PidFile.TryRead(pidFile) ?? node.Vswitchd.Pid;
        await StopAsync(node, old, cancellationToken).ConfigureAwait(false);

        var prefix = EalRuntimeDirectory.FilePrefixOf(node.Options.OtherConfig?.GetValueOrDefault("dpdk-extra"));
        for (var attempt = 1; ; attempt++)
        {
            if (prefix is not null)
            {
                await EalRuntimeDirectory.ReleaseAsync(prefix, LockRelease, cancellationToken).ConfigureAwait(false);
            }

            try
            {
                return await DaemonProcess.StartAsync(
                    "ovs-vswitchd",
                    "ip",
                    [
                        "netns", "exec", node.Netns, "env", "OVS_RUNDIR=" + dir,
                        node.Options.VswitchdBinary, node.Ovsdb.UnixConnection,
                        "--pidfile=" + pidFile, "--unixctl=" + node.VswitchdUnixctlPath,
                        "--log-file=" + log, "--detach", "--no-chdir",
                    ],
                    pidFile,
                    log,
                    node.Options.Timeout,
                    manifest,
                    cancellationToken).ConfigureAwait(false);
            }
            catch (RigException e) when (attempt < StartAttempts)
            {
                // A failed EAL init aborts the process before --detach returns; whatever it left is released above.
                Console.Error.WriteLine($"ovs-vswitchd on {node.Name}: start attempt {attempt} failed, retrying after {Settle.TotalSeconds:0} s: {e.Message}");
                if (PidFile.TryRead(pidFile) is { } half && ProcessSignals.IsAlive(half))
                {
                    await ProcessSignals.KillAsync([half], cancellationToken).ConfigureAwait(false);
                }

                await Task.Delay(Settle, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Graceful <c>exit</c>, bounded; SIGKILL if it lingers; returns only when the process is gone or a zombie.</summary>
    private static async Task StopAsync(OvsNode node, int pid, CancellationToken cancellationToken)
    {
        var exit = await CommandRunner.RunAsync("ovs-appctl", ["-t", node.VswitchdUnixctlPath, "exit"], node.Options.Timeout, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!exit.Succeeded)
        {
            ProcessSignals.SendTerm(pid);
        }

        if (!await ProcessSignals.WaitGoneAsync([pid], ExitGrace, cancellationToken).ConfigureAwait(false))
        {
            // KillAsync waits until the process is really gone: sending SIGKILL alone let the next start race its exit.
            await ProcessSignals.KillAsync([pid], cancellationToken).ConfigureAwait(false);
        }
    }
}
