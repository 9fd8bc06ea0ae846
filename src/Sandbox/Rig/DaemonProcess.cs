namespace VmNet.Sandbox.Rig;

/// <summary>
/// An OVS/OVN daemon (ovn-northd, ovs-vswitchd, ovn-controller) started with --detach and a pidfile.
/// --detach makes the launcher exit only once the daemon has initialised; afterwards we manage it by PID.
/// </summary>
public sealed class DaemonProcess
{
    private readonly string launcher;
    private readonly IReadOnlyList<string> arguments;
    private readonly TimeSpan timeout;
    private readonly RigManifest? manifest;

    private DaemonProcess(
        string name, int pid, string pidFilePath, string logPath, string launcher, IReadOnlyList<string> arguments, TimeSpan timeout, RigManifest? manifest)
    {
        Name = name;
        Pid = pid;
        PidFilePath = pidFilePath;
        LogPath = logPath;
        this.launcher = launcher;
        this.arguments = arguments;
        this.timeout = timeout;
        this.manifest = manifest;
    }

    /// <summary>Executable name, e.g. "ovn-northd" (also what /proc/PID/comm shows, truncated to 15 chars).</summary>
    public string Name { get; }

    /// <summary>PID of the current (or last) instance; changes on restart.</summary>
    public int Pid { get; private set; }

    public string PidFilePath { get; }

    public string LogPath { get; }

    public bool IsRunning => ProcessSignals.IsAlive(Pid);

    /// <summary>
    /// Runs <paramref name="launcher"/> with <paramref name="arguments"/> (which must include --detach,
    /// --pidfile=<paramref name="pidFilePath"/> and --log-file=<paramref name="logPath"/>) and reads the pidfile.
    /// </summary>
    public static async Task<DaemonProcess> StartAsync(
        string name,
        string launcher,
        IEnumerable<string> arguments,
        string pidFilePath,
        string logPath,
        TimeSpan timeout,
        RigManifest? manifest,
        CancellationToken cancellationToken)
    {
        var args = arguments.ToList();
        var pid = await LaunchAsync(name, launcher, args, pidFilePath, logPath, timeout, cancellationToken).ConfigureAwait(false);
        manifest?.RecordPid(pid, name);
        return new DaemonProcess(name, pid, pidFilePath, logPath, launcher, args, timeout, manifest);
    }

    /// <summary>Stops the daemon if it runs (it may have been killed for a crash test) and starts it again with the same arguments.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken)
    {
        if (IsRunning)
        {
            await StopAsync(cancellationToken).ConfigureAwait(false);
        }

        Pid = await LaunchAsync(Name, launcher, arguments, PidFilePath, LogPath, timeout, cancellationToken).ConfigureAwait(false);
        manifest?.RecordPid(Pid, Name);
    }

    public Task StopAsync(CancellationToken cancellationToken) =>
        ProcessSignals.TerminateAsync([Pid], TimeSpan.FromSeconds(5), cancellationToken);

    public Task KillAsync(CancellationToken cancellationToken) => ProcessSignals.KillAsync([Pid], cancellationToken);

    public string ReadLogTail(int lines = 15) => LogTail.Read(LogPath, lines);

    private static async Task<int> LaunchAsync(
        string name, string launcher, IReadOnlyList<string> arguments, string pidFilePath, string logPath, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var result = await CommandRunner.RunAsync(launcher, arguments, timeout, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new RigException($"{name} failed to start (exit {result.ExitCode}) with '{result.CommandLine}': {CommandRunner.Tail(result.Stderr)}\n{LogTail.Read(logPath)}");
        }

        var pid = PidFile.Read(pidFilePath, logPath);
        if (!ProcessSignals.IsAlive(pid))
        {
            throw new RigException($"{name} (pid {pid}) exited right after start\n{LogTail.Read(logPath)}");
        }

        return pid;
    }
}
