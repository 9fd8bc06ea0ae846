using System.Globalization;
using Microsoft.Extensions.Logging;
using Serilog.Extensions.Logging;
using VmNet.Addressing;
using VmNet.ApiServer;
using VmNet.Controller.Hosting;
using VmNet.Controller.Migrations;
using VmNet.Controller.Pods;
using VmNet.Daemon;
using VmNet.Daemon.Hosting;
using VmNet.E2E.Stack;
using VmNet.Kube;
using VmNet.Kube.Config;
using VmNet.Kube.Models;
using VmNet.KubeVirt.Migration;
using VmNet.Sandbox.Qemu;
using VmNet.Sandbox.Rig;

namespace VmNet.Migration.Stack;

/// <summary>A pod plugged by the stack: its netns and the address the controller gave it.</summary>
public sealed record StackPod(string Name, OvsNode Node, string Netns, string ContainerId, string Ip, string Mac);

/// <summary>
/// The whole VmNet stack on a two-node rig, in process: an API server, our controller (topology, addressing and
/// live-migration modules) writing the rig's Northbound, and our node daemon on every node answering the CNI
/// binary. Pods and VMs get their network only through the API and the CNI binary, as in a cluster.
/// Shared by the migration e2e tests and the migration benchmark (linked into tests/Bench).
/// </summary>
public sealed class MigrationStack : IAsyncDisposable
{
    public const string Ns = "default";
    public const string Cidr = "10.16.0.0/16";
    public const string Gateway = "10.16.0.1";

    private readonly Sandbox.Rig.Rig _rig;
    private readonly List<DaemonHost> _daemons = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly ILoggerFactory _loggers;
    private KubeApiServer? _server;
    private Task _controller = Task.CompletedTask;
    private int _pods;

    private MigrationStack(Sandbox.Rig.Rig rig, string cniBinary, Serilog.ILogger log)
    {
        _rig = rig;
        Log = log;
        Cni = new CniPlugin(cniBinary);
        _loggers = new SerilogLoggerFactory(log);
    }

    public KubeClient Kube { get; private set; } = null!;

    public CniPlugin Cni { get; }

    public Serilog.ILogger Log { get; }

    public ControllerContext Controller { get; private set; } = null!;

    public string SocketPath(OvsNode node) => $"/tmp/vmnet-{_rig.RunId.Value}-{node.Name}.sock";

    /// <param name="cniBinary">artifacts/cni/vmnet (<c>make cni</c>).</param>
    /// <param name="activationGrace">How long the controller leaves RARP activation before completing a switchover itself.</param>
    /// <param name="cidr">The default subnet's CIDR(s), e.g. <c>10.16.0.0/16,fd00:10:16::/64</c> for dual stack; <see cref="Cidr"/> when null.</param>
    public static async Task<MigrationStack> StartAsync(Sandbox.Rig.Rig rig, string cniBinary, TimeSpan activationGrace, Serilog.ILogger log, CancellationToken cancellationToken, string? cidr = null)
    {
        ArgumentNullException.ThrowIfNull(rig);
        var stack = new MigrationStack(rig, cniBinary, log);
        try
        {
            await stack.StartAsync(activationGrace, cidr ?? Cidr, cancellationToken).ConfigureAwait(false);
            return stack;
        }
        catch
        {
            await stack.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task StartAsync(TimeSpan activationGrace, string cidr, CancellationToken cancellationToken)
    {
        _server = new KubeApiServer(new ApiServerOptions { BookmarkInterval = TimeSpan.FromSeconds(2) });
        await _server.StartAsync(cancellationToken).ConfigureAwait(false);
        Kube = new KubeClient(new KubeConfig(_server.BaseAddress), new KubeClientOptions { RequestTimeout = TimeSpan.FromSeconds(30) });
        foreach (var crd in VmNet.TestSupport.ControllerCrds.All)
        {
            await Kube.CreateAsync(crd, cancellationToken).ConfigureAwait(false);
        }

        foreach (var node in _rig.Nodes)
        {
            await Kube.CreateAsync(new V1Node { ApiVersion = "v1", Kind = "Node", Metadata = new V1ObjectMeta { Name = node.Name } }, cancellationToken).ConfigureAwait(false);
        }

        var options = InProcessController.Options(cidr, _rig.Central.NorthboundConnection, workerCount: 4);
        var host = new ControllerHost(options, Kube, _loggers, modules: [new TopologyModule(), new AddressingModule(), new MigrationModule(activationGrace, ActivationStrategyPolicy.Default)]);
        _controller = Task.Run(() => host.RunAsync(_stop.Token), CancellationToken.None);
        Controller = await InProcessController.WaitStartedAsync(host, _controller, cancellationToken).ConfigureAwait(false);
        await Controller.Subnets.WaitReadyAsync(options.DefaultSubnet, cancellationToken).WaitAsync(TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false);

        for (var i = 0; i < _rig.Nodes.Count; i++)
        {
            var node = _rig.Nodes[i];
            var daemonOptions = new DaemonOptions
            {
                NodeName = node.Name,
                OvsDatabase = node.Ovsdb.UnixConnection,
                SouthboundRemote = _rig.Central.SouthboundConnection,
                EncapType = "geneve",
                EncapIp = _rig.Options.NodeUnderlayIp(i + 1),
                SocketPath = SocketPath(node),
                NodeMtu = _rig.Options.UnderlayMtu,
                HostNetns = node.Netns,
                DatapathType = "netdev",
                AnnotationTimeout = TimeSpan.FromSeconds(20),
                OvnInstalledTimeout = TimeSpan.FromSeconds(30),
                GatewayCheckTimeout = TimeSpan.FromSeconds(15),
            };
            _daemons.Add(await DaemonHost.StartAsync(daemonOptions, Kube, Log.ForContext("Node", node.Name), cancellationToken).ConfigureAwait(false));
        }
    }

    /// <summary>An ordinary pod on <paramref name="node"/>: created in the API, allocated by the controller, plugged by CNI ADD.</summary>
    public async Task<StackPod> AddPodAsync(OvsNode node, string label, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(node);
        var index = Interlocked.Increment(ref _pods).ToString(CultureInfo.InvariantCulture);
        var name = $"{label}-{index}";
        var netns = _rig.RunId.Value + "p" + index;
        await Kube.CreateAsync(
            new V1Pod
            {
                ApiVersion = "v1",
                Kind = "Pod",
                Metadata = new V1ObjectMeta { Name = name, Namespace = Ns },
                Spec = new V1PodSpec { NodeName = node.Name, Containers = [new V1Container { Name = "c", Image = "busybox" }] },
            },
            cancellationToken).ConfigureAwait(false);
        _rig.Manifest.RecordNetns(netns);
        await NetworkNamespace.AddAsync(netns, cancellationToken).ConfigureAwait(false);
        var containerId = (Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N"))[..64];
        var add = await Cni.RunAsync("ADD", containerId, "/var/run/netns/" + netns, "eth0", Ns, name, CniPlugin.NetConf(SocketPath(node)), cancellationToken).ConfigureAwait(false);
        if (!add.Succeeded)
        {
            throw new QemuException($"pod {name} on {node.Name}: {add}");
        }

        var pod = await Kube.GetAsync<V1Pod>(Ns, name, cancellationToken).ConfigureAwait(false);
        var annotations = pod.Metadata?.Annotations ?? new Dictionary<string, string>();
        return new StackPod(name, node, netns, containerId, annotations[AnnotationKeys.For(AnnotationKeys.IpAddress)], annotations[AnnotationKeys.For(AnnotationKeys.MacAddress)]);
    }

    /// <summary>
    /// KubeVirt for one VM (name at most 8 characters) with a fixed IP and MAC (the template annotations Kube-OVN
    /// honours), whose launchers this stack's daemons plug. Call <see cref="KubeVirtStandIn.CreateVmAsync"/> first.
    /// </summary>
    public KubeVirtStandIn VirtualMachine(string vm, string ip, string mac, TimeSpan timeout) =>
        new(Kube, Cni, SocketPath, vm, new Dictionary<string, string>
        {
            [AnnotationKeys.For(AnnotationKeys.IpAddress)] = ip,
            [AnnotationKeys.For(AnnotationKeys.MacAddress)] = mac,
            ["kubevirt.io/allow-pod-bridge-network-live-migration"] = "true",
        }, timeout, _rig.Options.PodMtu);

    public async ValueTask DisposeAsync()
    {
        foreach (var daemon in _daemons)
        {
            await daemon.StopAsync().ConfigureAwait(false);
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _controller.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }

        _stop.Dispose();
        Kube?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync().ConfigureAwait(false);
        }

        _loggers.Dispose();
    }
}
