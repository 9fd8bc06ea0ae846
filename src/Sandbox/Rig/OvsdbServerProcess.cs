using System.Globalization;

namespace VmNet.Sandbox.Rig;

/// <summary>
/// One real ovsdb-server as a detached process: unix socket, optional TCP listener on 127.0.0.1
/// with a kernel-chosen port, pidfile, unixctl socket and log file in its own directory.
/// Stopped by PID (SIGTERM, then SIGKILL); can be killed -9 and restarted on the same database
/// file and socket path for crash tests.
/// </summary>
public sealed class OvsdbServerProcess : IAsyncDisposable
{
    // sockaddr_un.sun_path is 108 bytes including the terminating NUL.
    private const int MaxUnixSocketPath = 107;

    private readonly OvsdbServerOptions options;

    private OvsdbServerProcess(OvsdbServerOptions options)
    {
        this.options = options;
        var dir = Path.GetFullPath(options.Directory);
        DatabasePath = Path.Combine(dir, options.Name + ".db");
        SocketPath = Path.Combine(dir, options.Name + ".sock");
        UnixctlPath = Path.Combine(dir, options.Name + ".ctl");
        PidFilePath = Path.Combine(dir, options.Name + ".pid");
        LogPath = Path.Combine(dir, options.Name + ".log");
    }

    public string DatabasePath { get; }

    public string SocketPath { get; }

    public string UnixctlPath { get; }

    public string PidFilePath { get; }

    public string LogPath { get; }

    /// <summary>PID of the current (or last) server process.</summary>
    public int Pid { get; private set; }

    /// <summary>TCP port on 127.0.0.1, or null when started without TCP.</summary>
    public int? TcpPort { get; private set; }

    /// <summary>"unix:/path/to.sock", the form --db= and OVSDB clients take.</summary>
    public string UnixConnection => "unix:" + SocketPath;

    /// <summary>"tcp:127.0.0.1:PORT", or null when started without TCP.</summary>
    public string? TcpConnection => TcpPort is { } port ? "tcp:127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture) : null;

    public bool IsRunning => ProcessSignals.IsAlive(Pid);

    /// <summary>Creates the database with ovsdb-tool if missing and starts the server; returns once it accepts connections.</summary>
    public static async Task<OvsdbServerProcess> StartAsync(OvsdbServerOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!File.Exists(options.SchemaPath))
        {
            throw new RigException($"OVSDB schema '{options.SchemaPath}' does not exist (SchemaPath); install openvswitch-common/ovn-common");
        }

        var server = new OvsdbServerProcess(options);
        if (server.SocketPath.Length > MaxUnixSocketPath || server.UnixctlPath.Length > MaxUnixSocketPath)
        {
            throw new RigException(
                $"socket path '{server.SocketPath}' is longer than {MaxUnixSocketPath} bytes (sun_path limit): use a shorter Directory or Name");
        }

        Directory.CreateDirectory(Path.GetDirectoryName(server.DatabasePath)!);
        if (!File.Exists(server.DatabasePath))
        {
            await CommandRunner.RunCheckedAsync(
                "ovsdb-tool", ["create", server.DatabasePath, options.SchemaPath], options.Timeout, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        await server.LaunchAsync(options.ListenTcp ? 0 : null, cancellationToken).ConfigureAwait(false);
        return server;
    }

    /// <summary>Runs ovs-appctl against this server's unixctl socket.</summary>
    public Task<CommandResult> AppctlAsync(IEnumerable<string> command, CancellationToken cancellationToken = default) =>
        CommandRunner.RunCheckedAsync("ovs-appctl", new[] { "-t", UnixctlPath }.Concat(command), options.Timeout, cancellationToken: cancellationToken);

    /// <summary>SIGTERM by PID, wait, SIGKILL if it does not exit.</summary>
    public Task StopAsync(CancellationToken cancellationToken = default) =>
        ProcessSignals.TerminateAsync([Pid], TimeSpan.FromSeconds(5), cancellationToken);

    /// <summary>kill -9: simulates a crash; the pidfile, lock and socket file stay behind.</summary>
    public Task KillAsync(CancellationToken cancellationToken = default) =>
        ProcessSignals.KillAsync([Pid], cancellationToken);

    /// <summary>
    /// Stops the server if it still runs and starts it again on the same database file and socket path.
    /// The TCP port is kept when it is still free; otherwise a new kernel-chosen port is used (see <see cref="TcpPort"/>).
    /// </summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        if (IsRunning)
        {
            await StopAsync(cancellationToken).ConfigureAwait(false);
        }

        await LaunchAsync(options.ListenTcp ? TcpPort ?? 0 : null, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (IsRunning)
        {
            await StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task LaunchAsync(int? tcpPort, CancellationToken cancellationToken)
    {
        var args = new List<string>
        {
            DatabasePath,
            "--remote=punix:" + SocketPath,
            "--pidfile=" + PidFilePath,
            "--unixctl=" + UnixctlPath,
            "--log-file=" + LogPath,
            "--detach",
            "--no-chdir",
        };
        if (tcpPort is { } port)
        {
            args.Add("--remote=" + TcpRemote(port));
        }

        // With --detach the parent exits only once the daemon is initialised and listening.
        var result = await CommandRunner.RunAsync("ovsdb-server", args, options.Timeout, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new RigException(
                $"ovsdb-server for {DatabasePath} failed to start (exit {result.ExitCode}): {CommandRunner.Tail(result.Stderr)}\n{LogTail.Read(LogPath)}");
        }

        Pid = PidFile.Read(PidFilePath, LogPath);
        options.Manifest?.RecordPid(Pid, "ovsdb-server");
        TcpPort = null;
        if (tcpPort is { } requested)
        {
            TcpPort = await ResolveTcpPortAsync(requested, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<int> ResolveTcpPortAsync(int requested, CancellationToken cancellationToken)
    {
        var ports = ListeningSockets.TcpPorts(Pid);
        if (requested != 0 && ports.Contains(requested))
        {
            return requested;
        }

        if (requested != 0)
        {
            // The old port was taken meanwhile: ovsdb-server only logs the bind failure and keeps retrying,
            // so swap the remote for a kernel-chosen port instead.
            await AppctlAsync(["ovsdb-server/remove-remote", TcpRemote(requested)], cancellationToken).ConfigureAwait(false);
            await AppctlAsync(["ovsdb-server/add-remote", TcpRemote(0)], cancellationToken).ConfigureAwait(false);
        }

        var deadline = DateTime.UtcNow + options.Timeout;
        while (true)
        {
            ports = ListeningSockets.TcpPorts(Pid);
            if (ports.Count > 0)
            {
                return ports[0];
            }

            if (DateTime.UtcNow >= deadline)
            {
                throw new RigException($"ovsdb-server pid {Pid} ({DatabasePath}) has no TCP listener after {options.Timeout.TotalSeconds:0} s\n{LogTail.Read(LogPath)}");
            }

            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }
    }

    private static string TcpRemote(int port) => "ptcp:" + port.ToString(CultureInfo.InvariantCulture) + ":127.0.0.1";
}
