using System.Diagnostics;
using System.Globalization;

namespace VmNet.Sandbox.Rig;

/// <summary>
/// A complete OVN test environment on one machine: OVN central, N simulated nodes (each a network
/// namespace with userspace OVS and ovn-controller) joined by an underlay, and test pods.
/// Every name carries the run id so several rigs can run at once; everything created is recorded in
/// the run directory (<see cref="RigManifest"/>) for <see cref="RigJanitor"/>.
/// </summary>
public sealed class Rig : IAsyncDisposable
{
    private readonly List<TestPod> pods = [];
    private readonly Lock podSync = new();
    private readonly List<string> nodeNetns;
    private readonly UnderlayNetwork underlay;
    private int podCounter;
    private bool stopped;

    private Rig(
        RigOptions options, RigManifest manifest, OvnCentral central, IReadOnlyList<OvsNode> nodes, List<string> nodeNetns, UnderlayNetwork underlay)
    {
        Options = options;
        Manifest = manifest;
        Central = central;
        Nodes = nodes;
        this.nodeNetns = nodeNetns;
        this.underlay = underlay;
    }

    public RigOptions Options { get; }

    public RigRunId RunId => Options.RunId;

    public string Directory => Manifest.Directory;

    public RigManifest Manifest { get; }

    public OvnCentral Central { get; }

    public IReadOnlyList<OvsNode> Nodes { get; }

    /// <summary>Wall time from StartAsync until all chassis were registered.</summary>
    public TimeSpan StartupTime { get; private set; }

    /// <summary>Wall time of the last StopAsync.</summary>
    public TimeSpan TeardownTime { get; private set; }

    /// <summary>Network namespaces of this rig (nodes, underlay switch, pods) that still exist.</summary>
    public IReadOnlyList<string> NetnsNames =>
        RigManifest.ReadNetns(Directory).Distinct().Where(NetworkNamespace.Exists).ToList();

    /// <summary>PIDs of every daemon: central's, then each node's.</summary>
    public IReadOnlyList<int> DaemonPids => Central.Pids.Concat(Nodes.SelectMany(n => n.Pids)).ToList();

    public IReadOnlyList<TestPod> Pods
    {
        get
        {
            lock (podSync)
            {
                return pods.ToList();
            }
        }
    }

    public OvsNode Node(string name) =>
        Nodes.FirstOrDefault(n => n.Name == name) ?? throw new ArgumentException($"node '{name}' is not in this rig ({string.Join(", ", Nodes.Select(n => n.Name))})", nameof(name));

    /// <summary>Brings up central, the underlay and all nodes, and waits until every chassis is registered in SB.</summary>
    public static async Task<Rig> StartAsync(RigOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var stopwatch = Stopwatch.StartNew();
        var manifest = RigManifest.Create(options.EffectiveDirectory);
        var netns = Enumerable.Range(1, options.NodeCount).Select(i => options.RunId.Value + "n" + i.ToString(CultureInfo.InvariantCulture)).ToList();
        var nodeTasks = new List<Task<OvsNode>>();
        Task<OvnCentral>? centralTask = null;
        try
        {
            centralTask = OvnCentral.StartAsync(Path.Combine(manifest.Directory, "central"), options.CentralTcp, manifest, cancellationToken);
            foreach (var name in netns)
            {
                manifest.RecordNetns(name);
                await NetworkNamespace.AddAsync(name, cancellationToken).ConfigureAwait(false);
            }

            var underlay = await UnderlayNetwork.CreateAsync(options.RunId, netns, options.UnderlayMtu, manifest, cancellationToken).ConfigureAwait(false);
            var central = await centralTask.ConfigureAwait(false);
            for (var i = 0; i < options.NodeCount; i++)
            {
                var index = i + 1;
                var nodeOptions = new OvsNodeOptions
                {
                    Name = options.NodeName(index),
                    Netns = netns[i],
                    Directory = Path.Combine(manifest.Directory, options.NodeName(index)),
                    UnderlayInterface = underlay.NodeInterfaces[i],
                    UnderlayAddress = options.NodeUnderlayIp(index) + "/24",
                    SouthboundConnection = central.SouthboundConnection,
                    Encap = options.Encap,
                };
                nodeTasks.Add(OvsNode.StartAsync(options.ConfigureNode?.Invoke(nodeOptions) ?? nodeOptions, manifest, cancellationToken));
            }

            var nodes = await Task.WhenAll(nodeTasks).ConfigureAwait(false);
            var rig = new Rig(options, manifest, central, nodes, netns, underlay);
            await OvnWaits.WaitForChassisAsync(central, nodes.Select(n => n.Name).ToList(), options.WaitTimeout, rig.Diagnostics, cancellationToken).ConfigureAwait(false);
            rig.StartupTime = stopwatch.Elapsed;
            return rig;
        }
        catch
        {
            // Whatever did start is recorded in the manifest: clean it up the same way the janitor would.
            var pending = nodeTasks.Cast<Task>().Append(centralTask ?? Task.CompletedTask);
            await Task.WhenAll(pending.Select(t => t.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default))).ConfigureAwait(false);
            await RigJanitor.CleanRunAsync(manifest.Directory, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Creates a test pod on <paramref name="node"/> with names unique to this run.</summary>
    public async Task<TestPod> AddPodAsync(OvsNode node, TestPodOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var index = Interlocked.Increment(ref podCounter).ToString(CultureInfo.InvariantCulture);
        var pod = await TestPod.CreateAsync(
            node, options, RunId.Value + "p" + index, RunId.Value + "h" + index, RunId.Value + "c" + index, Manifest, cancellationToken).ConfigureAwait(false);
        lock (podSync)
        {
            pods.Add(pod);
        }

        return pod;
    }

    /// <summary>Default pod options on this rig's MTU.</summary>
    public TestPodOptions PodOptions(string name, string logicalPort, string mac, string ipCidr, string? gateway) =>
        new() { Name = name, LogicalPort = logicalPort, Mac = mac, IpCidr = ipCidr, Gateway = gateway, Mtu = Options.PodMtu };

    public async Task RemovePodAsync(TestPod pod, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pod);
        await pod.RemoveAsync(cancellationToken).ConfigureAwait(false);
        lock (podSync)
        {
            pods.Remove(pod);
        }
    }

    public Task SyncHypervisorsAsync(CancellationToken cancellationToken = default) =>
        OvnWaits.SyncHypervisorsAsync(Central, Options.WaitTimeout, Diagnostics, cancellationToken);

    public Task WaitPortUpAsync(string logicalPort, CancellationToken cancellationToken = default) =>
        OvnWaits.WaitPortUpAsync(Central, logicalPort, Options.WaitTimeout, Diagnostics, cancellationToken);

    /// <summary>Log tails of northd and every node's ovn-controller and ovs-vswitchd.</summary>
    public string Diagnostics() =>
        Central.Northd.ReadLogTail(10) + "\n" + string.Join("\n", Nodes.Select(n => n.LogTails()));

    /// <summary>Sum of VmRSS over all daemons of this rig.</summary>
    public long DaemonRssBytes() => DaemonMemory.TotalRssBytes(DaemonPids);

    /// <summary>Stops every daemon by PID (SIGTERM, then SIGKILL), deletes every netns of the run and the run directory.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (stopped)
        {
            return;
        }

        stopped = true;
        var stopwatch = Stopwatch.StartNew();
        try
        {
            await ProcessSignals.TerminateAsync(DaemonPids.Where(ProcessSignals.IsAlive).ToList(), TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Also covers daemons restarted under new PIDs and anything recorded but not reachable via Nodes.
            await RigJanitor.CleanRunAsync(Directory, cancellationToken).ConfigureAwait(false);
            TeardownTime = stopwatch.Elapsed;
        }
    }

    public ValueTask DisposeAsync() => new(StopAsync(CancellationToken.None));

    public override string ToString() =>
        $"rig {RunId} ({Options.NodeCount} nodes, {Options.Encap.OvsName()}, underlay {Options.EffectiveUnderlayPrefix}.0/24, netns {string.Join(",", nodeNetns)}{(underlay.SwitchNetns is null ? string.Empty : "," + underlay.SwitchNetns)})";
}
