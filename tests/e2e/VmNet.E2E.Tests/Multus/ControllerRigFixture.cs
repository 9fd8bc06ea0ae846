using System.Globalization;
using VmNet.ApiServer;
using VmNet.Controller.Hosting;
using VmNet.Daemon;
using VmNet.Daemon.Hosting;
using VmNet.E2E.Daemon;
using VmNet.Kube;
using VmNet.Kube.Config;
using VmNet.Kube.Models;
using VmNet.Sandbox.Rig;
using VmNet.TestSupport;

namespace VmNet.E2E.Multus;

/// <summary>
/// The two-node rig with nothing built by hand: an in-process API server, our whole controller in-process
/// (every module <see cref="ControllerModules.Discover"/> finds, so the topology module makes ovn-cluster,
/// ovn-default and join, and test Subnets get real switches, router ports and ACLs) and our daemon for each node.
/// Tests play kubelet and Multus: they create pods and run the CNI binary once per network.
/// </summary>
public sealed class ControllerRigFixture : TwoNodeRigFixture, IAsyncLifetime
{
    public const string Ns = "default";
    private readonly Dictionary<string, DaemonHost> _daemons = [];
    private readonly CancellationTokenSource _stopController = new();
    private Task _controller = Task.CompletedTask;
    private Serilog.ILogger _logger = Serilog.Core.Logger.None;
    private int _counter;

    public KubeApiServer ApiServer { get; private set; } = null!;

    public KubeClient Kube { get; private set; } = null!;

    /// <summary>The running controller's context (IPAM, Northbound cache).</summary>
    public ControllerContext Controller { get; private set; } = null!;

    public string LogPath => Path.Combine(Rig.Directory, "vmnet-stack.log");

    public string SocketPath(OvsNode node) => $"/tmp/vmnet-{Rig.RunId.Value}-{node.Name}.sock";

    public string NewName(string label) => $"{label}-{Interlocked.Increment(ref _counter).ToString(CultureInfo.InvariantCulture)}-{Rig.RunId.Value}";

    /// <summary>A pod netns recorded in the rig manifest (so a crashed run is cleaned too).</summary>
    public async Task<string> NewNetnsAsync()
    {
        var name = Rig.RunId.Value + "m" + Interlocked.Increment(ref _counter).ToString(CultureInfo.InvariantCulture);
        Rig.Manifest.RecordNetns(name);
        await NetworkNamespace.AddAsync(name, CancellationToken.None);
        return name;
    }

    /// <summary>Creates the object unless it is there already.</summary>
    public async Task CreateOnceAsync<T>(T obj)
        where T : class, IKubeResourceObject
    {
        try
        {
            await Kube.CreateAsync(obj);
        }
        catch (KubeConflictException)
        {
            // Already there.
        }
    }

    protected override async Task OnStartedAsync(Sandbox.Rig.Rig startedRig)
    {
        var sink = new FileLogSink(Path.Combine(startedRig.Directory, "vmnet-stack.log"));
        _logger = new Serilog.LoggerConfiguration().MinimumLevel.Debug().MinimumLevel.Override("Microsoft", Serilog.Events.LogEventLevel.Warning).WriteTo.Sink(sink).CreateLogger();
        ApiServer = new KubeApiServer(new ApiServerOptions { BookmarkInterval = TimeSpan.FromSeconds(5) });
        await ApiServer.StartAsync();
        Kube = new KubeClient(new KubeConfig(ApiServer.BaseAddress));
        foreach (var crd in ControllerCrds.All)
        {
            await Kube.CreateAsync(crd);
        }

        var options = new ControllerOptions
        {
            DisableLeaderElection = true,
            WorkerCount = 4,
            GcInterval = TimeSpan.FromHours(1),
            KubeVirtDiscoveryInterval = TimeSpan.FromMilliseconds(200),
            NorthboundAddress = startedRig.Central.NorthboundConnection,
        };
        var host = new ControllerHost(options, Kube, new Serilog.Extensions.Logging.SerilogLoggerFactory(_logger.ForContext("Process", "controller")));
        _controller = Task.Run(() => host.RunAsync(_stopController.Token));
        var started = await Task.WhenAny(host.Started, _controller).WaitAsync(TimeSpan.FromSeconds(90));
        if (started == _controller)
        {
            await _controller;
        }

        Controller = await host.Started;
        foreach (var node in startedRig.Nodes)
        {
            await Kube.CreateAsync(new V1Node { ApiVersion = "v1", Kind = "Node", Metadata = new V1ObjectMeta { Name = node.Name } });
            _daemons[node.Name] = await DaemonHost.StartAsync(DaemonOptions(startedRig, node), Kube, _logger.ForContext("Node", node.Name), CancellationToken.None);
        }

        await WaitSubnetReadyAsync(options.DefaultSubnet);
    }

    /// <summary>Waits until the controller has the subnet's switch in place (pods on it can be allocated).</summary>
    public async Task WaitSubnetReadyAsync(string subnet)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!Controller.Subnets.IsReady(subnet))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"subnet {subnet} not ready after 60s; see {LogPath}");
            }

            await Task.Delay(100);
        }
    }

    private DaemonOptions DaemonOptions(Sandbox.Rig.Rig rig, OvsNode node)
    {
        var index = rig.Nodes.ToList().IndexOf(node) + 1;
        return new DaemonOptions
        {
            NodeName = node.Name,
            OvsDatabase = node.Ovsdb.UnixConnection,
            SouthboundRemote = rig.Central.SouthboundConnection,
            EncapType = "geneve",
            EncapIp = rig.Options.NodeUnderlayIp(index),
            SocketPath = $"/tmp/vmnet-{rig.RunId.Value}-{node.Name}.sock",
            NodeMtu = rig.Options.UnderlayMtu,
            HostNetns = node.Netns,
            DatapathType = "netdev",
            // Tests call the CNI only after the allocation is on the pod; the timeout matters only for the
            // bad-input cases, where it is the time until the CNI call fails.
            AnnotationTimeout = TimeSpan.FromSeconds(4),
            OvnInstalledTimeout = TimeSpan.FromSeconds(20),
            GatewayCheckTimeout = TimeSpan.FromSeconds(10),
        };
    }

    // Re-implements IAsyncLifetime.DisposeAsync: daemons, controller and API server go before the rig.
    public new async Task DisposeAsync()
    {
        foreach (var daemon in _daemons.Values)
        {
            await daemon.StopAsync();
        }

        await _stopController.CancelAsync();
        try
        {
            await _controller.WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (OperationCanceledException)
        {
        }

        _stopController.Dispose();
        Kube?.Dispose();
        if (ApiServer is not null)
        {
            await ApiServer.DisposeAsync();
        }

        await base.DisposeAsync();
    }
}
