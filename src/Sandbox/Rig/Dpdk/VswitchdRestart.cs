namespace VmNet.Sandbox.Rig.Dpdk;

/// <summary>
/// Restarts a node's ovs-vswitchd the way an upgrade or crash-restart does (graceful <c>exit</c>, then the same
/// command line), keeping its ovsdb-server and ovn-controller. The new process is recorded in the rig manifest;
/// the caller stops it (the node still lists the old PID).
/// </summary>
public static class VswitchdRestart
{
    public static async Task<DaemonProcess> RestartAsync(OvsNode node, RigManifest? manifest, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(node);
        var dir = Path.GetFullPath(node.Options.Directory);
        var old = node.Vswitchd.Pid;
        await CommandRunner.RunAsync("ovs-appctl", ["-t", node.VswitchdUnixctlPath, "exit"], node.Options.Timeout, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!await ProcessSignals.WaitGoneAsync([old], TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false))
        {
            ProcessSignals.SendKill(old);
        }

        var pidFile = Path.Combine(dir, "ovs-vswitchd.pid");
        var log = Path.Combine(dir, "ovs-vswitchd.log");
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
}
