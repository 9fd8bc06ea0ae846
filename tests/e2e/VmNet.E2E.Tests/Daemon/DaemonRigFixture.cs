using System.Globalization;
using System.Text.Json.Nodes;
using VmNet.ApiServer;
using VmNet.Daemon;
using VmNet.Daemon.Hosting;
using VmNet.E2E.Rig;
using VmNet.Kube;
using VmNet.Kube.Config;
using VmNet.Kube.Models;
using VmNet.Sandbox.Rig;
using VmNet.TestSupport;

namespace VmNet.E2E.Daemon;

/// <summary>
/// The real two-node rig with Kube-OVN's default topology, an in-process API server holding nodes and
/// pods, and our daemon hosted in-process for each node (host side = the node's netns, userspace
/// datapath). The tests play the controller: they create logical ports with ovn-nbctl and write the
/// pod annotations Kube-OVN's controller writes.
/// </summary>
public sealed class DaemonRigFixture : TwoNodeRigFixture, IAsyncLifetime
{
    private readonly Dictionary<string, DaemonHost> daemons = [];
    private int podCounter;

    public KubeApiServer ApiServer { get; private set; } = null!;

    public FileLogSink DaemonLog { get; private set; } = null!;

    private Serilog.ILogger logger = Serilog.Core.Logger.None;

    public KubeClient Kube { get; private set; } = null!;

    public string SocketPath(OvsNode node) => $"/tmp/vmnet-{Rig.RunId.Value}-{node.Name}.sock";

    public DaemonOptions Options(OvsNode node)
    {
        var index = Rig.Nodes.ToList().IndexOf(node) + 1;
        return new DaemonOptions
        {
            NodeName = node.Name,
            OvsDatabase = node.Ovsdb.UnixConnection,
            SouthboundRemote = Central.SouthboundConnection,
            EncapType = "geneve",
            EncapIp = Rig.Options.NodeUnderlayIp(index),
            SocketPath = SocketPath(node),
            NodeMtu = Rig.Options.UnderlayMtu,
            HostNetns = node.Netns,
            DatapathType = "netdev",

            // These tests drive the ADD-time plug (Kube-OVN's port names from the container ID); a pre-plugger racing
            // their ADDs would make the port name depend on timing. Pre-plugging has its own tests (Daemon.Tests PrePlugTests).
            PrePlug = false,
            AnnotationTimeout = TimeSpan.FromSeconds(8),
            OvnInstalledTimeout = TimeSpan.FromSeconds(20),
            GatewayCheckTimeout = TimeSpan.FromSeconds(10),
        };
    }

    public DaemonHost Daemon(OvsNode node) => daemons[node.Name];

    public async Task StartDaemonAsync(OvsNode node)
    {
        daemons[node.Name] = await DaemonHost.StartAsync(Options(node), Kube, logger.ForContext("Node", node.Name), CancellationToken.None);
    }

    public async Task StopDaemonAsync(OvsNode node)
    {
        if (daemons.Remove(node.Name, out var daemon))
        {
            await daemon.StopAsync();
        }
    }

    /// <summary>A pod netns recorded in the rig manifest (so a crashed run is cleaned too).</summary>
    public async Task<string> NewNetnsAsync()
    {
        var name = Rig.RunId.Value + "q" + Interlocked.Increment(ref podCounter).ToString(CultureInfo.InvariantCulture);
        Rig.Manifest.RecordNetns(name);
        await NetworkNamespace.AddAsync(name, CancellationToken.None);
        return name;
    }

    public int NextIndex() => Interlocked.Increment(ref podCounter);

    /// <summary>Creates the pod object, optionally already carrying the controller's allocation annotations.</summary>
    public Task<V1Pod> CreatePodAsync(string name, OvsNode node, Dictionary<string, string>? annotations) =>
        Kube.CreateAsync(new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta { Name = name, Namespace = "default", Annotations = annotations },
            Spec = new V1PodSpec { NodeName = node.Name, Containers = [new V1Container { Name = "c", Image = "busybox" }] },
        });

    public Task<V1Pod> AnnotatePodAsync(string name, IReadOnlyDictionary<string, string?> annotations)
    {
        var values = new JsonObject();
        foreach (var (key, value) in annotations)
        {
            values[key] = value;
        }

        return Kube.PatchAsync<V1Pod>("default", name, KubePatch.Merge(new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = values } }));
    }

    protected override async Task OnStartedAsync(Sandbox.Rig.Rig startedRig)
    {
        await KubeOvnTopology.CreateAsync(startedRig.Central);
        DaemonLog = new FileLogSink(Path.Combine(startedRig.Directory, "vmnet-daemons.log"));
        logger = new Serilog.LoggerConfiguration().MinimumLevel.Debug().MinimumLevel.Override("Microsoft", Serilog.Events.LogEventLevel.Warning).WriteTo.Sink(DaemonLog).CreateLogger();
        ApiServer = new KubeApiServer(new ApiServerOptions { BookmarkInterval = TimeSpan.FromSeconds(5) });
        await ApiServer.StartAsync();
        Kube = new KubeClient(new KubeConfig(ApiServer.BaseAddress));
        foreach (var node in startedRig.Nodes)
        {
            await Kube.CreateAsync(new V1Node { ApiVersion = "v1", Kind = "Node", Metadata = new V1ObjectMeta { Name = node.Name } });
            await StartDaemonAsync(node);
        }
    }

    // Re-implements IAsyncLifetime.DisposeAsync: the daemons and the API server go before the rig.
    public new async Task DisposeAsync()
    {
        foreach (var daemon in daemons.Values)
        {
            await daemon.StopAsync();
        }

        Kube?.Dispose();
        if (ApiServer is not null)
        {
            await ApiServer.DisposeAsync();
        }

        await base.DisposeAsync();
    }
}
