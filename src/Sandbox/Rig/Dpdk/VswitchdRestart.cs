namespace VmNet.Sandbox.Rig.Dpdk;

/// <summary>
/// Restarts a node's ovs-vswitchd the way an upgrade or crash-restart does (graceful <c>exit</c>, then the same
/// command line), keeping its ovsdb-server and ovn-controller. The new process is recorded in the rig manifest;
/// the caller stops it (the node still lists the old PID).
/// For the DPDK build the new process reuses the node's EAL <c>--file-prefix</c>: it must not start before the old
/// one has really gone (a zombie has released its files; a process still exiting has not) and its runtime
/// directory is unlocked, else EAL fails "Cannot allocate memzone list"; <see cref="VswitchdStart"/> waits for
/// that and retries a start that fails anyway after a settle, as for the first start.
/// </summary>
public static class VswitchdRestart
{
    private static readonly TimeSpan ExitGrace = TimeSpan.FromSeconds(15);

    public static async Task<DaemonProcess> RestartAsync(OvsNode node, RigManifest? manifest, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(node);
        // The pidfile names the running vswitchd even after an earlier restart (node.Vswitchd keeps the first PID).
        var old = PidFile.TryRead(Path.Combine(Path.GetFullPath(node.Options.Directory), "ovs-vswitchd.pid")) ?? node.Vswitchd.Pid;
        await StopAsync(node, old, cancellationToken).ConfigureAwait(false);
        return await VswitchdStart.StartAsync(node.Options, node.Ovsdb.UnixConnection, manifest, cancellationToken).ConfigureAwait(false);
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
