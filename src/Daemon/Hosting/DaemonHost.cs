using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serilog;
using VmNet.Daemon.Cni;
using VmNet.Daemon.Node;
using VmNet.Daemon.Ovs;
using VmNet.Daemon.Pods;
using VmNet.Daemon.Sriov;
using VmNet.Kube;
using VmNet.Ovsdb.Client;

namespace VmNet.Daemon.Hosting;

/// <summary>
/// One running node daemon: OVSDB connections, the host namespace, node setup, the QoS watcher and
/// the CNI server on its unix socket. Used by Program and hosted in-process by tests.
/// </summary>
public sealed class DaemonHost : IAsyncDisposable
{
    private static readonly string[] VswitchTables = ["Open_vSwitch", "Bridge", "Port", "Interface", "QoS", "Queue"];
    private readonly WebApplication app;
    private readonly OvsdbClient ovs;
    private readonly SouthboundConnection? southbound;
    private readonly HostNetwork host;
    private ILoggerFactory? loggerFactory;
    private bool stopped;

    private DaemonHost(DaemonOptions options, WebApplication app, OvsdbClient ovs, SouthboundConnection? southbound, HostNetwork host)
    {
        Options = options;
        this.app = app;
        this.ovs = ovs;
        this.southbound = southbound;
        this.host = host;
    }

    public DaemonOptions Options { get; }

    public IServiceProvider Services => app.Services;

    /// <param name="configureServices">Replaces services after the defaults, e.g. the SR-IOV eswitch reader and VF MAC setter on emulated NICs.</param>
    public static async Task<DaemonHost> StartAsync(DaemonOptions options, IKubeClient kube, Serilog.ILogger? log, CancellationToken cancellationToken, Action<IServiceCollection>? configureServices = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(kube);
        log ??= Log.Logger;
        // Owned by the host: the Southbound connection logs from its background task for the daemon's lifetime.
        var loggerFactory = new LoggerFactory().AddSerilog(log);
        var ovs = await OvsdbClient.ConnectAsync(
            new OvsdbClientOptions { Endpoints = OvsdbClientOptions.ParseRemotes(options.OvsDatabase), Database = "Open_vSwitch", Tables = VswitchTables },
            cancellationToken).ConfigureAwait(false);
        SouthboundConnection? southbound = null;
        HostNetwork? host = null;
        try
        {
            if ((options.SouthboundStatusRemote ?? options.SouthboundRemote) is { } sb)
            {
                southbound = new SouthboundConnection(sb, loggerFactory.CreateLogger<SouthboundConnection>());
                southbound.Start();
            }

            host = await HostNetwork.OpenAsync(options.HostNetns, cancellationToken, options.HoldingNetns).ConfigureAwait(false);
            var app = Build(options, kube, log, ovs, southbound, host, configureServices);
            await StartServingAsync(app, options, cancellationToken).ConfigureAwait(false);
            log.Information("vmnet-daemon for node {Node} listening on {Sockets}", options.NodeName, string.Join(", ", options.AllSocketPaths));
            return new DaemonHost(options, app, ovs, southbound, host) { loggerFactory = loggerFactory };
        }
        catch
        {
            host?.Dispose();
            if (southbound is not null)
            {
                await southbound.DisposeAsync().ConfigureAwait(false);
            }

            await ovs.DisposeAsync().ConfigureAwait(false);
            loggerFactory.Dispose();
            throw;
        }
    }

    /// <summary>Stops serving (in-flight calls are cancelled: the binary reports a retryable error), then closes the connections.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (stopped)
        {
            return;
        }

        stopped = true;
        try
        {
            await app.StopAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await app.DisposeAsync().ConfigureAwait(false);
            host.Dispose();
            if (southbound is not null)
            {
                await southbound.DisposeAsync().ConfigureAwait(false);
            }

            await ovs.DisposeAsync().ConfigureAwait(false);
            loggerFactory?.Dispose();
            DeleteSockets(Options);
        }
    }

    public ValueTask DisposeAsync() => new(StopAsync(CancellationToken.None));

    private static WebApplication Build(DaemonOptions options, IKubeClient kube, Serilog.ILogger log, OvsdbClient ovs, SouthboundConnection? southbound, HostNetwork host, Action<IServiceCollection>? configureServices)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders().AddSerilog(log);
        // The CNI handler awaits at once (kernel, OVSDB, API): running it on the socket's I/O thread instead of
        // queueing it to the thread pool saves a thread hop per request.
        builder.WebHost.UseSockets(o => o.UnsafePreferInlineScheduling = true);
        builder.WebHost.ConfigureKestrel(k =>
        {
            foreach (var socket in options.AllSocketPaths)
            {
                k.ListenUnixSocket(socket);
            }
        });
        builder.Services.Configure<HostOptions>(h => h.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(kube);
        builder.Services.AddSingleton(host);
        builder.Services.AddSingleton(new OvsPorts(ovs, options.IntegrationBridge));
        builder.Services.AddSingleton(new NodeStatus(ovs, southbound, options.IntegrationBridge));
        builder.Services.AddSingleton(new ChassisRegistration(ovs, options));
        builder.Services.AddSingleton(sp => new JoinPort(ovs, host, options));
        builder.Services.AddSriov(ovs, options);
        configureServices?.Invoke(builder.Services);
        builder.Services.AddSingleton<PrePlugs>();
        builder.Services.AddSingleton<NodePods>();
        builder.Services.AddSingleton<CniHandler>();
        builder.Services.AddHostedService<NodeSetupService>();
        builder.Services.AddHostedService<PodQosWatcher>();
        builder.Services.AddHostedService<VmNet.Daemon.Dpdk.VhostUserLinkReporter>();
        builder.Services.AddHostedService<PodPrePlugger>();
        var app = builder.Build();
        app.MapCni();
        return app;
    }

    /// <summary>
    /// Starts the hosted services, then Kestrel on every socket. A hosted service failing to start would leave
    /// the ones started before it running (watches against the API server, the node setup loop) and the app's
    /// services undisposed: on failure the app is stopped and disposed and the socket files removed before rethrowing.
    /// </summary>
    private static async Task StartServingAsync(WebApplication app, DaemonOptions options, CancellationToken cancellationToken)
    {
        if (!OperatingSystem.IsLinux())
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw new PlatformNotSupportedException("vmnet-daemon runs on Linux only");
        }

        try
        {
            foreach (var socket in options.AllSocketPaths)
            {
                PrepareSocketPath(socket);
            }

            await app.StartAsync(cancellationToken).ConfigureAwait(false);

            // Root only: the sockets can create interfaces in any namespace.
            foreach (var socket in options.AllSocketPaths)
            {
                File.SetUnixFileMode(socket, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }
        catch
        {
            using (var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
            {
                try
                {
                    await app.StopAsync(stopping.Token).ConfigureAwait(false);
                }
                catch (Exception stopError) when (stopError is OperationCanceledException or InvalidOperationException or AggregateException)
                {
                    // The start failure is what the caller must see; disposing below still closes the listeners.
                }
            }

            await app.DisposeAsync().ConfigureAwait(false);
            DeleteSockets(options);
            throw;
        }
    }

    private static void PrepareSocketPath(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);

        // A socket file left by a daemon that died would make the bind fail.
        File.Delete(path);
    }

    private static void DeleteSockets(DaemonOptions options)
    {
        foreach (var socket in options.AllSocketPaths)
        {
            File.Delete(socket);
        }
    }
}
