namespace VmNet.Sandbox.Rig;

/// <summary>
/// OVN central as plain processes in one directory: Northbound and Southbound ovsdb-server (unix
/// sockets, optionally TCP on 127.0.0.1 with kernel-chosen ports) and ovn-northd.
/// </summary>
public sealed class OvnCentral : IAsyncDisposable
{
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(20);

    private OvnCentral(string directory, OvsdbServerProcess northbound, OvsdbServerProcess southbound, DaemonProcess northd)
    {
        Directory = directory;
        Northbound = northbound;
        Southbound = southbound;
        Northd = northd;
    }

    public string Directory { get; }

    public OvsdbServerProcess Northbound { get; }

    public OvsdbServerProcess Southbound { get; }

    public DaemonProcess Northd { get; }

    /// <summary>"unix:.../ovnnb_db.sock".</summary>
    public string NorthboundConnection => Northbound.UnixConnection;

    /// <summary>"unix:.../ovnsb_db.sock"; what ovn-controller uses inside node namespaces, where 127.0.0.1 is not ours.</summary>
    public string SouthboundConnection => Southbound.UnixConnection;

    public IEnumerable<int> Pids => [Northd.Pid, Southbound.Pid, Northbound.Pid];

    /// <summary>Starts NB and SB ovsdb-server, initialises both databases, then ovn-northd.</summary>
    public static async Task<OvnCentral> StartAsync(
        string directory, bool listenTcp = false, RigManifest? manifest = null, CancellationToken cancellationToken = default)
    {
        System.IO.Directory.CreateDirectory(directory);
        OvsdbServerProcess? nb = null;
        OvsdbServerProcess? sb = null;
        try
        {
            nb = await OvsdbServerProcess.StartAsync(OvsdbServerOptions.ForNorthbound(directory, listenTcp) with { Manifest = manifest }, cancellationToken).ConfigureAwait(false);
            sb = await OvsdbServerProcess.StartAsync(OvsdbServerOptions.ForSouthbound(directory, listenTcp) with { Manifest = manifest }, cancellationToken).ConfigureAwait(false);

            // init creates the NB_Global / SB_Global rows northd and ovn-controller expect.
            await CommandRunner.RunCheckedAsync("ovn-nbctl", ["--db=" + nb.UnixConnection, "init"], ToolTimeout, cancellationToken: cancellationToken).ConfigureAwait(false);
            await CommandRunner.RunCheckedAsync("ovn-sbctl", ["--db=" + sb.UnixConnection, "init"], ToolTimeout, cancellationToken: cancellationToken).ConfigureAwait(false);

            var pidFile = Path.Combine(directory, "ovn-northd.pid");
            var log = Path.Combine(directory, "ovn-northd.log");
            var northd = await DaemonProcess.StartAsync(
                "ovn-northd",
                "ovn-northd",
                [
                    "--ovnnb-db=" + nb.UnixConnection,
                    "--ovnsb-db=" + sb.UnixConnection,
                    "--pidfile=" + pidFile,
                    "--unixctl=" + Path.Combine(directory, "ovn-northd.ctl"),
                    "--log-file=" + log,
                    "--detach",
                    "--no-chdir",
                ],
                pidFile,
                log,
                ToolTimeout,
                manifest,
                cancellationToken).ConfigureAwait(false);
            return new OvnCentral(directory, nb, sb, northd);
        }
        catch
        {
            await StopQuietlyAsync(sb).ConfigureAwait(false);
            await StopQuietlyAsync(nb).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>ovn-nbctl --db=unix:... ARGS; throws with stderr on failure.</summary>
    public Task<CommandResult> NbctlAsync(IEnumerable<string> arguments, CancellationToken cancellationToken = default) =>
        CommandRunner.RunCheckedAsync("ovn-nbctl", new[] { "--db=" + NorthboundConnection }.Concat(arguments), ToolTimeout, cancellationToken: cancellationToken);

    /// <summary>ovn-sbctl --db=unix:... ARGS; throws with stderr on failure.</summary>
    public Task<CommandResult> SbctlAsync(IEnumerable<string> arguments, CancellationToken cancellationToken = default) =>
        CommandRunner.RunCheckedAsync("ovn-sbctl", new[] { "--db=" + SouthboundConnection }.Concat(arguments), ToolTimeout, cancellationToken: cancellationToken);

    /// <summary>ovn-trace --db=unix:(SB) ARGS, e.g. ["--minimal", "ovn-default", "inport==\"p1\" &amp;&amp; ..."].</summary>
    public Task<CommandResult> TraceAsync(IEnumerable<string> arguments, CancellationToken cancellationToken = default) =>
        CommandRunner.RunCheckedAsync("ovn-trace", new[] { "--db=" + SouthboundConnection }.Concat(arguments), ToolTimeout, cancellationToken: cancellationToken);

    /// <summary>Names of the chassis registered in the Southbound DB.</summary>
    public async Task<IReadOnlyList<string>> ChassisNamesAsync(CancellationToken cancellationToken = default)
    {
        var result = await SbctlAsync(["--bare", "--columns=name", "list", "Chassis"], cancellationToken).ConfigureAwait(false);
        return result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    /// <summary>Stops northd, then SB, then NB (SIGTERM by PID, SIGKILL after a grace period).</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default) =>
        await ProcessSignals.TerminateAsync(Pids.Where(ProcessSignals.IsAlive).ToList(), TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);

    public ValueTask DisposeAsync() => new(StopAsync(CancellationToken.None));

    private static async Task StopQuietlyAsync(OvsdbServerProcess? server)
    {
        if (server is not null)
        {
            await server.DisposeAsync().ConfigureAwait(false);
        }
    }
}
