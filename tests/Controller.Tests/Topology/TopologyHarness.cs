using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Serilog;
using Serilog.Extensions.Logging;
using VmNet.ApiServer;
using VmNet.Controller.Hosting;
using VmNet.Kube;
using VmNet.Kube.Config;
using VmNet.Kube.Models;
using VmNet.TestSupport;

namespace VmNet.Controller.Tests.Topology;

/// <summary>
/// Per test: the in-process API server with the chart's CRDs, a real OVN central (NB + SB ovsdb-server and
/// ovn-northd, via the rig fixture), and controller hosts run against them. NB state is checked with
/// ovn-nbctl, an independent client.
/// </summary>
internal sealed class TopologyHarness : IAsyncDisposable
{
    private readonly List<RunningController> _controllers = [];

    private TopologyHarness(KubeApiServer server, KubeClient client, OvnCentralFixture central, ILoggerFactory loggerFactory)
    {
        Server = server;
        Client = client;
        Central = central;
        LoggerFactory = loggerFactory;
    }

    public KubeApiServer Server { get; }

    public KubeClient Client { get; }

    public OvnCentralFixture Central { get; }

    public ILoggerFactory LoggerFactory { get; }

    public static async Task<TopologyHarness> StartAsync(bool withNetworkAttachmentDefinitions = true)
    {
        var central = new OvnCentralFixture();
        await central.InitializeAsync();
        var server = new KubeApiServer(new ApiServerOptions { BookmarkInterval = TimeSpan.FromSeconds(1) });
        await server.StartAsync();
        var client = new KubeClient(new KubeConfig(server.BaseAddress), new KubeClientOptions { RequestTimeout = TimeSpan.FromSeconds(20) });
        await CrdInstaller.InstallAsync(client, withNetworkAttachmentDefinitions);
        ILoggerFactory loggerFactory = Environment.GetEnvironmentVariable("VMNET_TEST_LOG") == "1"
            ? new SerilogLoggerFactory(new LoggerConfiguration().MinimumLevel.Debug().WriteTo.Console(formatProvider: System.Globalization.CultureInfo.InvariantCulture).CreateLogger(), dispose: true)
            : NullLoggerFactory.Instance;
        return new TopologyHarness(server, client, central, loggerFactory);
    }

    public ControllerOptions Options(string identity = "ctl-0") => new()
    {
        NorthboundAddress = Central.NorthboundUnix,
        PodNamespace = "kube-system",
        PodName = identity,
        LeaseDuration = TimeSpan.FromSeconds(3),
        KubeVirtDiscoveryInterval = TimeSpan.FromMilliseconds(300),
        SubnetStatusInterval = TimeSpan.FromMilliseconds(100),
        GcInterval = TimeSpan.Zero,
        WorkerCount = 2,
    };

    /// <summary>
    /// Starts a controller host and waits until its workers run. By default only the topology module runs,
    /// so topology tests see no address GC or pod handling; pass <see cref="ControllerModules.Discover"/> for the full controller.
    /// </summary>
    public async Task<RunningController> StartControllerAsync(ControllerOptions? options = null, IReadOnlyList<IControllerModule>? modules = null)
    {
        var host = new ControllerHost(options ?? Options(), Client, LoggerFactory, modules: modules ?? [new TopologyModule()]);
        var stop = new CancellationTokenSource();
        var run = Task.Run(() => host.RunAsync(stop.Token));
        var started = await host.Started.WaitAsync(TimeSpan.FromSeconds(60));
        var controller = new RunningController(host, started, run, stop);
        _controllers.Add(controller);
        return controller;
    }

    public Task<V1Subnet> CreateSubnetAsync(string name, string cidr, string? gateway = null, IEnumerable<string>? excludeIps = null, string? vpc = null) =>
        Client.CreateAsync(new V1Subnet
        {
            Metadata = new V1ObjectMeta { Name = name },
            Spec = new V1SubnetSpec { CidrBlock = cidr, Gateway = gateway, ExcludeIps = excludeIps?.ToList(), Vpc = vpc },
        });

    public Task<V1Subnet> GetSubnetAsync(string name) => Client.GetAsync<V1Subnet>(null, name);

    public async Task<IReadOnlyList<NbctlRow>> ListAsync(string table)
    {
        var result = await Central.Central.NbctlAsync(["--format=json", "list", table]);
        return NbctlRow.Parse(result.Stdout);
    }

    public async Task<NbctlRow?> FindAsync(string table, string name) =>
        (await ListAsync(table)).SingleOrDefault(r => r.Name == name);

    /// <summary>Polls <paramref name="condition"/> until true; fails naming <paramref name="what"/> and the last value seen.</summary>
    public static async Task<T> EventuallyAsync<T>(Func<Task<T>> probe, Func<T, bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        T last;
        while (true)
        {
            last = await probe();
            if (condition(last))
            {
                return last;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new Xunit.Sdk.XunitException($"timed out waiting for {what}; last value: {Describe(last)}");
            }

            await Task.Delay(100);
        }
    }

    public async Task<V1Subnet> WaitSubnetConditionAsync(string name, string type, string status) =>
        (await EventuallyAsync(
            () => FindSubnetAsync(name),
            s => KubeOvnConditions.Find(s?.Status?.Conditions, type)?.Status == status,
            $"subnet {name} condition {type}={status}"))!;

    /// <summary>Waits until ovn-default and join are Ready (their switches and router ports exist).</summary>
    public async Task WaitDefaultTopologyAsync()
    {
        await WaitSubnetConditionAsync("ovn-default", KubeOvnConditions.Ready, "True");
        await WaitSubnetConditionAsync("join", KubeOvnConditions.Ready, "True");
    }

    public async Task<V1Subnet?> FindSubnetAsync(string name)
    {
        try
        {
            return await GetSubnetAsync(name);
        }
        catch (KubeNotFoundException)
        {
            return null;
        }
    }

    public async Task<IReadOnlyList<CoreV1Event>> EventsForAsync(string kind, string name)
    {
        var events = await Client.ListAsync<CoreV1Event>(null);
        return events.Items.Where(e => e.InvolvedObject?.Kind == kind && e.InvolvedObject.Name == name).ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var controller in _controllers)
        {
            await controller.DisposeAsync();
        }

        Client.Dispose();
        await Server.DisposeAsync();
        await Central.DisposeAsync();
        LoggerFactory.Dispose();
    }

    private static string Describe<T>(T value) => value switch
    {
        V1Subnet s => VmNet.Kube.Serialization.KubeJson.Serialize(s.Status),
        System.Collections.IEnumerable e and not string => string.Join("; ", e.Cast<object>()),
        _ => value?.ToString() ?? "null",
    };
}

/// <summary>A controller host running in this process.</summary>
internal sealed class RunningController(ControllerHost host, ControllerContext context, Task run, CancellationTokenSource stop) : IAsyncDisposable
{
    public ControllerHost Host { get; } = host;

    public ControllerContext Context { get; } = context;

    public Task Run { get; } = run;

    /// <summary>Stops like SIGTERM: cancel, then wait for a clean return.</summary>
    public async Task StopAsync()
    {
        if (!stop.IsCancellationRequested)
        {
            await stop.CancelAsync();
        }

        await Run.WaitAsync(TimeSpan.FromSeconds(30));
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        catch (OperationCanceledException)
        {
        }
        catch (InvalidOperationException) when (Run.IsFaulted)
        {
            // The run already ended with an error a test asserted on (e.g. lost leadership).
        }

        stop.Dispose();
    }
}
