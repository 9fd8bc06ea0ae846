using Microsoft.Extensions.Logging;
using VmNet.Controller.Runtime.Events;
using VmNet.Controller.Runtime.Informers;
using VmNet.Controller.Runtime.LeaderElection;
using VmNet.Kube;
using VmNet.Ovsdb.Client;

namespace VmNet.Controller.Hosting;

/// <summary>
/// Runs the controller: leader election on Lease <see cref="ControllerOptions.LeaseName"/>, then, as leader,
/// the startup pipeline documented on <see cref="IControllerModule"/> and the workers until cancelled.
/// Losing leadership ends <see cref="RunAsync"/> (the process exits and restarts, like client-go).
/// </summary>
public sealed class ControllerHost
{
    private readonly ControllerOptions _options;
    private readonly IKubeClient _kube;
    private readonly ILoggerFactory _loggerFactory;
    private readonly TimeProvider _time;
    private readonly IReadOnlyList<IControllerModule> _modules;
    private readonly ILogger _logger;
    private readonly TaskCompletionSource<ControllerContext> _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ControllerHost(ControllerOptions options, IKubeClient kube, ILoggerFactory loggerFactory, TimeProvider? time = null, IReadOnlyList<IControllerModule>? modules = null)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _kube = kube ?? throw new ArgumentNullException(nameof(kube));
        _loggerFactory = loggerFactory ?? throw new ArgumentNullException(nameof(loggerFactory));
        _time = time ?? TimeProvider.System;
        _modules = modules ?? ControllerModules.Discover();
        _logger = loggerFactory.CreateLogger("VmNet.Controller.Host");
    }

    /// <summary>Completes with the context once the workers run (the startup pipeline finished).</summary>
    public Task<ControllerContext> Started => _started.Task;

    public IReadOnlyList<IControllerModule> Modules => _modules;

    /// <summary>Runs until <paramref name="cancellationToken"/> fires or leadership is lost; rethrows a failed startup.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        _logger.LogInformation("vmnet-controller {Options}; modules {Modules}", _options, string.Join(", ", _modules.Select(m => m.GetType().Name)));
        if (_options.DisableLeaderElection)
        {
            await RunAsLeaderAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Exception? failure = null;
        var elector = new LeaderElector(
            new KubeLeaseLock(_kube, _options.PodNamespace, _options.LeaseName, _options.PodName),
            new LeaderElectionOptions
            {
                LeaseDuration = _options.LeaseDuration,
                RenewDeadline = _options.LeaseDuration * 2 / 3,
                RetryPeriod = _options.LeaseDuration / 7,
                TimeProvider = _time,
                Logger = _loggerFactory.CreateLogger("VmNet.Controller.LeaderElection"),
                OnNewLeader = leader => _logger.LogInformation("leader is now {Leader}", leader),
                OnStoppedLeading = () => _logger.LogWarning("{Identity} stopped leading", _options.PodName),
                OnStartedLeading = async token =>
                {
                    try
                    {
                        await RunAsLeaderAsync(token).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (!token.IsCancellationRequested)
                    {
                        failure = ex;
                        await stop.CancelAsync().ConfigureAwait(false);
                    }
                },
            });
        await elector.RunAsync(stop.Token).ConfigureAwait(false);
        if (failure is not null)
        {
            _started.TrySetException(failure);
            throw new InvalidOperationException($"controller startup failed: {failure.Message}", failure);
        }

        if (!cancellationToken.IsCancellationRequested)
        {
            // Like client-go's OnStoppedLeading: a replica that lost its lease exits and restarts as a candidate.
            var lost = new InvalidOperationException($"{_options.PodName} lost leadership of lease {_options.PodNamespace}/{_options.LeaseName}");
            _started.TrySetException(lost);
            throw lost;
        }

        _started.TrySetCanceled(cancellationToken);
    }

    private async Task RunAsLeaderAsync(CancellationToken cancellationToken)
    {
        _logger.LogInformation("leading as {Identity}: connecting to OVN Northbound {Address}", _options.PodName, _options.NorthboundAddress);
        await using var northbound = await OvsdbClient.ConnectAsync(
            new OvsdbClientOptions
            {
                Endpoints = OvsdbClientOptions.ParseRemotes(_options.NorthboundAddress),
                Database = "OVN_Northbound",
                Tables = ControllerContext.NorthboundTables,
                Logger = _loggerFactory.CreateLogger("VmNet.Ovsdb.Northbound"),
            },
            cancellationToken).ConfigureAwait(false);
        await using var southbound = await ConnectSouthboundAsync(cancellationToken).ConfigureAwait(false);
        await using var informers = new SharedInformerFactory();
        await using var events = new EventRecorder(_kube, new EventRecorderOptions
        {
            Component = "vmnet-controller",
            Host = _options.PodName,
            TimeProvider = _time,
            Logger = _loggerFactory.CreateLogger("VmNet.Controller.Events"),
        });
        var context = new ControllerContext(_options, _kube, northbound, informers, events, _loggerFactory, _time, southbound: southbound);
        var registry = new ControllerRegistry(context);
        try
        {
            await new StartupPipeline(context, registry, _modules, _logger).RunAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _started.TrySetException(ex);
            throw;
        }

        _started.TrySetResult(context);
        await RunWorkersAsync(context, registry, cancellationToken).ConfigureAwait(false);
        await events.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        _logger.LogInformation("controller stopped");
    }

    /// <summary>The Southbound client when <see cref="ControllerOptions.SouthboundAddress"/> is set; null (logged) otherwise.</summary>
    private async Task<OvsdbClient?> ConnectSouthboundAsync(CancellationToken cancellationToken)
    {
        if (_options.SouthboundAddress is not { Length: > 0 } address)
        {
            _logger.LogWarning("no --ovn-sb-addr: the Chassis of a deleted Node is not removed from the Southbound DB");
            return null;
        }

        _logger.LogInformation("connecting to OVN Southbound {Address}", address);
        return await OvsdbClient.ConnectAsync(
            new OvsdbClientOptions
            {
                Endpoints = OvsdbClientOptions.ParseRemotes(address),
                Database = "OVN_Southbound",
                Tables = ControllerContext.SouthboundTables,
                Logger = _loggerFactory.CreateLogger("VmNet.Ovsdb.Southbound"),
            },
            cancellationToken).ConfigureAwait(false);
    }

    private async Task RunWorkersAsync(ControllerContext context, ControllerRegistry registry, CancellationToken cancellationToken)
    {
        var tasks = new List<Task>();
        tasks.AddRange(registry.Controllers.Select(c => c.RunAsync(cancellationToken)));
        // Each loop on its own task: one that runs synchronously for long must not hold back the others.
        tasks.AddRange(registry.BackgroundTasks.Select(b => Task.Run(() => RunBackgroundAsync(b.Name, b.Run, cancellationToken), CancellationToken.None)));
        tasks.Add(Task.Run(() => RunBackgroundAsync("kubevirt-discovery", context.KubeVirt.DiscoverAsync, cancellationToken), CancellationToken.None));
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        foreach (var controller in registry.Controllers)
        {
            controller.Queue.ShutDown();
        }

        await Task.WhenAll(tasks).ConfigureAwait(false);
    }

    private async Task RunBackgroundAsync(string name, Func<CancellationToken, Task> run, CancellationToken cancellationToken)
    {
        try
        {
            await run(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
#pragma warning disable CA1031 // A background loop failing is logged; the controllers keep running.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _logger.LogError(ex, "background task {Name} failed", name);
        }
    }
}
