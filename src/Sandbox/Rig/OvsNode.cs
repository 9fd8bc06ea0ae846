using System.Globalization;

namespace VmNet.Sandbox.Rig;

/// <summary>
/// A simulated Kubernetes node: its own ovsdb-server (root namespace, unix socket) plus ovs-vswitchd
/// and ovn-controller running inside the node's network namespace with the userspace datapath.
/// br-phy carries the underlay IP (OVS native tunnelling); br-int is the OVN integration bridge.
/// </summary>
public sealed class OvsNode : IAsyncDisposable
{
    public const string IntegrationBridge = "br-int";
    public const string PhysicalBridge = "br-phy";

    private OvsNode(OvsNodeOptions options, OvsdbServerProcess ovsdb, DaemonProcess vswitchd, DaemonProcess controller)
    {
        Options = options;
        Ovsdb = ovsdb;
        Vswitchd = vswitchd;
        Controller = controller;
    }

    public OvsNodeOptions Options { get; }

    public string Name => Options.Name;

    public string Netns => Options.Netns;

    public OvsdbServerProcess Ovsdb { get; }

    public DaemonProcess Vswitchd { get; }

    public DaemonProcess Controller { get; }

    /// <summary>ovn-controller 23.03 has no --unixctl: it names its control socket after its PID in OVN_RUNDIR.</summary>
    public string ControllerUnixctlPath =>
        Path.Combine(Options.Directory, "ovn-controller." + Controller.Pid.ToString(CultureInfo.InvariantCulture) + ".ctl");

    public string VswitchdUnixctlPath => Path.Combine(Options.Directory, "ovs-vswitchd.ctl");

    public IEnumerable<int> Pids => [Controller.Pid, Vswitchd.Pid, Ovsdb.Pid];

    public static async Task<OvsNode> StartAsync(OvsNodeOptions options, RigManifest? manifest = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var dir = Path.GetFullPath(options.Directory);
        Directory.CreateDirectory(dir);
        var ovsdb = await OvsdbServerProcess.StartAsync(OvsdbServerOptions.ForOpenVSwitch(dir) with { Manifest = manifest }, cancellationToken).ConfigureAwait(false);
        var started = new List<int> { ovsdb.Pid };
        try
        {
            Task<CommandResult> Vsctl(params string[] args) =>
                CommandRunner.RunCheckedAsync("ovs-vsctl", new[] { "--db=" + ovsdb.UnixConnection }.Concat(args), options.Timeout, cancellationToken: cancellationToken);
            Task<CommandResult> Ip(params string[] args) =>
                CommandRunner.RunCheckedAsync("ip", new[] { "-n", options.Netns }.Concat(args), options.Timeout, cancellationToken: cancellationToken);

            await Vsctl("--no-wait", "init").ConfigureAwait(false);
            await Vsctl(
                "--no-wait", "set", "Open_vSwitch", ".",
                "external_ids:system-id=" + options.Name,
                "external_ids:hostname=" + options.Name,
                "external_ids:ovn-remote=" + options.SouthboundConnection,
                "external_ids:ovn-encap-type=" + options.Encap.OvsName(),
                "external_ids:ovn-encap-ip=" + options.EncapIp,
                "external_ids:ovn-bridge-datapath-type=netdev").ConfigureAwait(false);
            if (options.OtherConfig is { Count: > 0 } otherConfig)
            {
                await Vsctl(["--no-wait", "set", "Open_vSwitch", ".", .. otherConfig.Select(p => $"other_config:{p.Key}=\"{p.Value}\"")]).ConfigureAwait(false);
            }

            // Retried like a restart: a DPDK vswitchd's EAL init can fail under load (Dpdk/VswitchdStart).
            var vswitchd = await Dpdk.VswitchdStart.StartAsync(options, ovsdb.UnixConnection, manifest, cancellationToken).ConfigureAwait(false);
            started.Add(vswitchd.Pid);

            await Ip("addr", "flush", "dev", options.UnderlayInterface).ConfigureAwait(false);

            // Up before add-port: avoids "Network is down" noise in the vswitchd log.
            await Ip("link", "set", options.UnderlayInterface, "up").ConfigureAwait(false);
            await Vsctl(
                "add-br", PhysicalBridge, "--", "set", "Bridge", PhysicalBridge, "datapath_type=netdev",
                "--", "add-port", PhysicalBridge, options.UnderlayInterface).ConfigureAwait(false);
            await Ip("addr", "add", options.UnderlayAddress, "dev", PhysicalBridge).ConfigureAwait(false);
            await Ip("link", "set", PhysicalBridge, "up").ConfigureAwait(false);
            await Vsctl(
                "add-br", IntegrationBridge, "--", "set", "Bridge", IntegrationBridge,
                "datapath_type=netdev", "fail_mode=secure", "other_config:disable-in-band=true").ConfigureAwait(false);

            // OVS_RUNDIR lets ovn-controller find br-int.mgmt; OVN_RUNDIR is where its PID-named unixctl socket goes.
            var controllerPid = Path.Combine(dir, "ovn-controller.pid");
            var controllerLog = Path.Combine(dir, "ovn-controller.log");
            var controller = await DaemonProcess.StartAsync(
                "ovn-controller",
                "ip",
                [
                    "netns", "exec", options.Netns, "env", "OVS_RUNDIR=" + dir, "OVN_RUNDIR=" + dir,
                    "ovn-controller", ovsdb.UnixConnection,
                    "--pidfile=" + controllerPid, "--log-file=" + controllerLog, "--detach", "--no-chdir",
                ],
                controllerPid,
                controllerLog,
                options.Timeout,
                manifest,
                cancellationToken).ConfigureAwait(false);
            return new OvsNode(options, ovsdb, vswitchd, controller);
        }
        catch
        {
            await ProcessSignals.TerminateAsync(started, TimeSpan.FromSeconds(3), CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>ovs-vsctl against this node's database; throws with stderr on failure.</summary>
    public Task<CommandResult> VsctlAsync(IEnumerable<string> arguments, CancellationToken cancellationToken = default) =>
        CommandRunner.RunCheckedAsync("ovs-vsctl", new[] { "--db=" + Ovsdb.UnixConnection }.Concat(arguments), Options.Timeout, cancellationToken: cancellationToken);

    /// <summary>ovs-appctl against this node's ovs-vswitchd.</summary>
    public Task<CommandResult> VswitchdAppctlAsync(IEnumerable<string> arguments, CancellationToken cancellationToken = default) =>
        CommandRunner.RunCheckedAsync("ovs-appctl", new[] { "-t", VswitchdUnixctlPath }.Concat(arguments), Options.Timeout, cancellationToken: cancellationToken);

    /// <summary>ovn-appctl against this node's ovn-controller.</summary>
    public Task<CommandResult> ControllerAppctlAsync(IEnumerable<string> arguments, CancellationToken cancellationToken = default) =>
        CommandRunner.RunCheckedAsync("ovn-appctl", new[] { "-t", ControllerUnixctlPath }.Concat(arguments), Options.Timeout, cancellationToken: cancellationToken);

    /// <summary>Runs a command inside the node's network namespace (result returned whatever the exit code).</summary>
    public Task<CommandResult> ExecAsync(string fileName, IEnumerable<string> arguments, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        NetworkNamespace.ExecAsync(Netns, fileName, arguments, timeout, cancellationToken);

    /// <summary>Last lines of the ovn-controller and ovs-vswitchd logs, for error messages.</summary>
    public string LogTails(int lines = 10) =>
        Controller.ReadLogTail(lines) + "\n" + Vswitchd.ReadLogTail(lines);

    /// <summary>Stops ovn-controller, ovs-vswitchd and ovsdb-server by PID; the netns belongs to the caller.</summary>
    public Task StopAsync(CancellationToken cancellationToken = default) =>
        ProcessSignals.TerminateAsync(Pids.Where(ProcessSignals.IsAlive).ToList(), TimeSpan.FromSeconds(5), cancellationToken);

    public ValueTask DisposeAsync() => new(StopAsync(CancellationToken.None));
}
