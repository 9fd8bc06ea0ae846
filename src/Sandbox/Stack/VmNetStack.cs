using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using VmNet.ApiServer;
using VmNet.Kube;
using VmNet.Kube.Config;
using VmNet.Kube.Models;
using VmNet.Sandbox.Demo;
using VmNet.Sandbox.Rig;

namespace VmNet.Sandbox.Stack;

/// <summary>
/// VmNet end to end on one machine with nothing played: OVN central and the rig's nodes (userspace OVS +
/// ovn-controller in network namespaces, Geneve), the in-process Kubernetes API server with the CRDs applied,
/// the real vmnet-controller as a child process (it builds the topology: ovn-cluster, ovn-default, join), Node
/// objects, one real vmnet-daemon process per node, and <see cref="Kubelet"/> to create pods and exec the CNI
/// binary. Every process and netns is recorded in the rig manifest; disposing stops all of it.
/// </summary>
public sealed class VmNetStack : IAsyncDisposable
{
    public const string DefaultSubnet = "ovn-default";
    public const string JoinSubnet = "join";
    public const string ClusterRouter = "ovn-cluster";

    /// <summary>The controller's default subnet (--default-cidr default) and its gateway.</summary>
    public const string DefaultCidr = "10.16.0.0/16";
    public const string DefaultGateway = "10.16.0.1";

    private readonly List<NodeDaemon> daemons = [];
    private bool disposed;

    private VmNetStack(StackOptions options, global::VmNet.Sandbox.Rig.Rig rig, KubeApiServer apiServer, KubeClient kube, string kubeconfig)
    {
        Options = options;
        Rig = rig;
        ApiServer = apiServer;
        Kube = kube;
        Kubeconfig = kubeconfig;
        Cni = new CniPlugin(options.CniBinary);
        Kubelet = new Kubelet(this);
        Readiness = new StackReadiness(this);
    }

    public StackOptions Options { get; }

    public global::VmNet.Sandbox.Rig.Rig Rig { get; }

    public KubeApiServer ApiServer { get; }

    /// <summary>A client of the API server (what kubectl would do; the controller and daemons use their kubeconfig).</summary>
    public KubeClient Kube { get; }

    public string Kubeconfig { get; }

    /// <summary>The running controller, or null between <see cref="StopControllerAsync"/> and <see cref="StartControllerAsync"/>.</summary>
    public ControllerProcess? Controller { get; private set; }

    public IReadOnlyList<NodeDaemon> Daemons => daemons;

    public CniPlugin Cni { get; }

    public Kubelet Kubelet { get; }

    public StackReadiness Readiness { get; }

    public IReadOnlyList<OvsNode> Nodes => Rig.Nodes;

    /// <summary>Wall time of <see cref="StartAsync"/> until everything was ready.</summary>
    public TimeSpan StartupTime { get; private set; }

    public string ControllerLogPath => Path.Combine(Rig.Directory, "controller.log");

    public NodeDaemon Daemon(OvsNode node) =>
        daemons.FirstOrDefault(d => d.Node == node) ?? throw new ArgumentException($"no daemon for node '{node?.Name}' in this stack", nameof(node));

    /// <summary>Starts everything and returns once every daemon answers STATUS, every chassis is in SB and the default subnet is ready.</summary>
    public static async Task<VmNetStack> StartAsync(StackOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.EnsureBuilt();
        var stopwatch = Stopwatch.StartNew();
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(options.ReadyTimeout);
        var rig = await global::VmNet.Sandbox.Rig.Rig.StartAsync(options.Rig, bounded.Token).ConfigureAwait(false);
        VmNetStack? stack = null;
        KubeApiServer? apiServer = null;
        try
        {
            apiServer = new KubeApiServer(new ApiServerOptions
            {
                BookmarkInterval = TimeSpan.FromSeconds(5),
                UseHttps = options.SecureApi,
                BearerToken = options.SecureApi ? Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)) : null,
            });
            await apiServer.StartAsync(bounded.Token).ConfigureAwait(false);
            var kubeconfig = apiServer.WriteKubeconfig(Path.Combine(rig.Directory, "kubeconfig"));

            // The same kubeconfig the controller and the daemons get (server, CA, token).
            stack = new VmNetStack(options, rig, apiServer, new KubeClient(KubeConfig.LoadFromFile(kubeconfig)), kubeconfig);
            await stack.ApplyCrdsAsync(bounded.Token).ConfigureAwait(false);
            foreach (var node in rig.Nodes)
            {
                var created = await stack.Kube.CreateAsync(new V1Node { ApiVersion = "v1", Kind = "Node", Metadata = new V1ObjectMeta { Name = node.Name } }, bounded.Token).ConfigureAwait(false);

                // What kubelet reports: the controller routes to the node's InternalIP through its join port.
                created.Status = new V1NodeStatus
                {
                    Addresses = [new V1NodeAddress { Type = "InternalIP", Address = node.Options.UnderlayAddress.Split('/')[0] }, new V1NodeAddress { Type = "Hostname", Address = node.Name }],
                };
                await stack.Kube.ReplaceStatusAsync(created, bounded.Token).ConfigureAwait(false);
            }

            stack.LaunchController();
            for (var i = 0; i < rig.Nodes.Count; i++)
            {
                var daemon = NodeDaemon.Create(rig.Nodes[i], i + 1, stack, kubeconfig);
                stack.daemons.Add(daemon);
                daemon.Start();
            }

            await stack.Readiness.WaitAllAsync(bounded.Token).ConfigureAwait(false);
            stack.StartupTime = stopwatch.Elapsed;
            return stack;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            var diagnostics = stack?.Diagnostics() ?? string.Empty;
            if (stack is not null)
            {
                await stack.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                if (apiServer is not null)
                {
                    await apiServer.DisposeAsync().ConfigureAwait(false);
                }

                await rig.DisposeAsync().ConfigureAwait(false);
            }

            if (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"the VmNet stack was not ready within {options.ReadyTimeout.TotalSeconds:0} s\n{diagnostics}", ex);
            }

            throw;
        }
    }

    /// <summary>SIGTERM to the controller (pods created meanwhile get no addresses).</summary>
    public async Task StopControllerAsync()
    {
        if (Controller is { } running)
        {
            Controller = null;
            await running.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Starts the controller again and waits until the default subnet is ready.</summary>
    public async Task StartControllerAsync(CancellationToken cancellationToken = default)
    {
        if (Controller is not null)
        {
            throw new InvalidOperationException($"the controller already runs as pid {Controller.Pid}");
        }

        LaunchController();
        await Readiness.WaitSubnetReadyAsync(DefaultSubnet, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>kill -9 of the node's daemon (if it runs), then a new process; returns once it answers STATUS.</summary>
    public async Task RestartDaemonAsync(OvsNode node, CancellationToken cancellationToken = default)
    {
        var daemon = Daemon(node);
        await daemon.KillAsync(cancellationToken).ConfigureAwait(false);
        daemon.Start();
        await Readiness.WaitDaemonReadyAsync(daemon, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Log tails of the controller, every daemon and the rig's OVN daemons, for failure messages.</summary>
    public string Diagnostics() =>
        string.Join('\n',
            [$"controller ({(Controller is null ? "stopped" : "pid " + Controller.Pid.ToString(CultureInfo.InvariantCulture))}):", LogTail.Read(ControllerLogPath, 25),
             .. daemons.Select(d => $"{d}:\n{d.LogTail(25)}"),
             Rig.Diagnostics()]);

    public async ValueTask DisposeAsync()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        try
        {
            foreach (var daemon in daemons)
            {
                await daemon.DisposeAsync().ConfigureAwait(false);
            }

            await StopControllerAsync().ConfigureAwait(false);
            Kube.Dispose();
            await ApiServer.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            // Also kills whatever the manifest recorded and the steps above missed.
            await Rig.DisposeAsync().ConfigureAwait(false);
        }
    }

    private void LaunchController()
    {
        var controller = ControllerProcess.Start(Options.RepositoryRoot, Kubeconfig, Rig.Central.NorthboundConnection, ControllerLogPath, Rig.Central.SouthboundConnection, ClusterRouter);
        Rig.Manifest.RecordPid(controller.Pid, DotnetProcessName("vmnet-controller"));
        Controller = controller;
    }

    private async Task ApplyCrdsAsync(CancellationToken cancellationToken)
    {
        var arguments = new List<string> { "--kubeconfig", Kubeconfig, "apply" };
        foreach (var directory in Options.CrdDirectories)
        {
            arguments.AddRange(["-f", directory]);
        }

        await CommandRunner.RunCheckedAsync("kubectl", arguments, TimeSpan.FromSeconds(60), cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Manifest name of a `dotnet exec` child: its /proc/PID/comm is "dotnet", and <see cref="RigJanitor"/> only
    /// kills a recorded PID whose comm starts the recorded name (a reused PID of another program is spared).
    /// </summary>
    internal static string DotnetProcessName(string assembly) => "dotnet " + assembly;

    public override string ToString() => $"VmNet stack on {Rig} (API {ApiServer.BaseAddress}, {daemons.Count} daemons)";
}
