using System.Diagnostics;
using System.Globalization;
using VmNet.Sandbox.Rig;

namespace VmNet.Sandbox.Stack;

/// <summary>
/// The real vmnet-daemon executable serving one rig node: host side in the node's netns (--host-netns),
/// userspace datapath, kubeconfig of the stack's API server. Its output goes to daemon.log in the node's
/// directory; every PID it gets is recorded in the rig manifest, so the janitor cleans up after a crashed run.
/// </summary>
public sealed class NodeDaemon : IAsyncDisposable
{
    private readonly IReadOnlyList<string> arguments;
    private readonly string assembly;
    private readonly RigManifest manifest;
    private Process? process;
    private StreamWriter? log;

    private NodeDaemon(OvsNode node, string assembly, IReadOnlyList<string> arguments, string socketPath, string kubeOvnSocketPath, string logPath, RigManifest manifest)
    {
        Node = node;
        this.assembly = assembly;
        this.arguments = arguments;
        SocketPath = socketPath;
        KubeOvnSocketPath = kubeOvnSocketPath;
        LogPath = logPath;
        this.manifest = manifest;
    }

    public OvsNode Node { get; }

    /// <summary>The daemon's own CNI socket (--socket).</summary>
    public string SocketPath { get; }

    /// <summary>A second socket serving the same API (--also-listen), standing in for Kube-OVN's /run/openvswitch/kube-ovn-daemon.sock.</summary>
    public string KubeOvnSocketPath { get; }

    public string LogPath { get; }

    /// <summary>PID of the running instance, or 0 when stopped.</summary>
    public int Pid => process is { HasExited: false } p ? p.Id : 0;

    public bool IsRunning => Pid != 0;

    /// <summary>Exit code of the last instance once it has exited.</summary>
    public int? ExitCode => process is { HasExited: true } p ? p.ExitCode : null;

    internal static NodeDaemon Create(OvsNode node, int index, VmNetStack stack, string kubeconfig)
    {
        var options = stack.Options;
        var directory = node.Options.Directory;
        var socket = Path.Combine(directory, "daemon.sock");
        var kubeOvnSocket = Path.Combine(directory, "kube-ovn-daemon.sock");
        string[] arguments =
        [
            "--node-name", node.Name,
            "--kubeconfig", kubeconfig,
            "--ovs-db", node.Ovsdb.UnixConnection,
            "--ovn-remote", stack.Rig.Central.SouthboundConnection,
            "--cluster-router", VmNetStack.ClusterRouter,
            "--encap-type", options.Rig.Encap.OvsName(),
            "--encap-ip", options.Rig.NodeUnderlayIp(index),
            "--node-mtu", options.Rig.UnderlayMtu.ToString(CultureInfo.InvariantCulture),
            "--socket", socket,
            "--also-listen", kubeOvnSocket,
            "--host-netns", node.Netns,
            "--datapath-type", "netdev",
            "--annotation-timeout", ((int)Math.Ceiling(options.AnnotationTimeout.TotalSeconds)).ToString(CultureInfo.InvariantCulture),
        ];
        return new NodeDaemon(node, options.EffectiveDaemonAssembly, arguments, socket, kubeOvnSocket, Path.Combine(directory, "daemon.log"), stack.Rig.Manifest);
    }

    /// <summary>Starts the process (a previous instance must be gone); readiness is <see cref="VmNetStack.WaitDaemonReadyAsync"/>.</summary>
    public void Start()
    {
        if (IsRunning)
        {
            throw new InvalidOperationException($"vmnet-daemon for {Node.Name} already runs as pid {Pid}");
        }

        process?.Dispose();
        log?.Dispose();
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(assembly);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        log = new StreamWriter(new FileStream(LogPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
        var writer = log;
        var sync = new Lock();
        void Append(object sender, DataReceivedEventArgs e)
        {
            if (e.Data is null)
            {
                return;
            }

            lock (sync)
            {
                try
                {
                    writer.WriteLine(e.Data);
                }
                catch (ObjectDisposedException)
                {
                    // A last line of an instance whose log was closed when the next instance started.
                }
            }
        }

        var started = Process.Start(start) ?? throw new RigException($"dotnet did not start vmnet-daemon for {Node.Name}");
        // Named for the janitor, which kills a recorded PID only if /proc/PID/comm ("dotnet") starts the name.
        manifest.RecordPid(started.Id, VmNetStack.DotnetProcessName("vmnet-daemon"));
        started.OutputDataReceived += Append;
        started.ErrorDataReceived += Append;
        started.BeginOutputReadLine();
        started.BeginErrorReadLine();
        process = started;
    }

    /// <summary>kill -9, as a crash would: the sockets stay behind as files nobody serves.</summary>
    public async Task KillAsync(CancellationToken cancellationToken = default)
    {
        if (process is { HasExited: false } running)
        {
            await ProcessSignals.KillAsync([running.Id], cancellationToken).ConfigureAwait(false);
            await running.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>SIGTERM (graceful: the daemon removes its sockets and exits 0), SIGKILL after 10 s.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (process is { HasExited: false } running)
        {
            await ProcessSignals.TerminateAsync([running.Id], TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
            await running.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public string LogTail(int lines = 30) => Rig.LogTail.Read(LogPath, lines);

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None).ConfigureAwait(false);
        process?.Dispose();
        process = null;
        log?.Dispose();
        log = null;
    }

    public override string ToString() => $"vmnet-daemon {Node.Name} (pid {Pid}, socket {SocketPath})";
}
