using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using VmNet.Kube;
using VmNet.Kube.Models;
using VmNet.Ovsdb.Errors;

namespace VmNet.Sandbox.Qemu;

/// <summary>
/// The baseline without multi-chassis binding, reacting through the Kubernetes API as a controller would: KubeVirt's
/// side is played here (a VirtualMachineInstanceMigration per migration, Running, then from the target's RESUME
/// KubeVirt's completion chain: target ready, VMI completed, VMIM Succeeded, see <see cref="KubeVirtCompletionChain"/>),
/// and a separate reactor that only watches VMIMs moves the port (source iface-id cleared, target set) the moment it
/// sees Succeeded. Until then the target's OVS port is plugged but unbound, so nothing reaches the resumed guest.
/// </summary>
public sealed class NaiveApiSwitchover : IPortSwitchover, IAsyncDisposable
{
    private readonly IKubeClient _kube;
    private readonly string _vmi;
    private readonly TimeSpan _timeout;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<string, Pending> _pending = new(StringComparer.Ordinal);
    private readonly Task _reactor;
    private readonly OvsdbIfaceIds _ifaceIds = new();
    private KubeVirtCompletionChain? _chain;
    private int _migrations;
    private string? _current;

    /// <param name="vmi">The VirtualMachineInstance (in <see cref="KubeVirtStandIn.Namespace"/>) the VMIMs name.</param>
    public NaiveApiSwitchover(IKubeClient kube, string vmi, TimeSpan timeout)
    {
        _kube = kube;
        _vmi = vmi;
        _timeout = timeout;
        _reactor = Task.Run(() => ReactAsync(_stop.Token));
    }

    public string Name => "naive";

    /// <summary>Per migration: KubeVirt's Succeeded written to the reactor's binding done (the API round trip included).</summary>
    public List<TimeSpan> Reactions { get; } = [];

    /// <summary>Per completed migration: KubeVirt's completion chain, when the reactor's watch delivered Succeeded and when it had bound the target.</summary>
    public List<(CompletionHops Hops, DateTimeOffset SucceededSeen, DateTimeOffset Bound)> Chains { get; } = [];

    public async Task BeforeMigrationAsync(PortSwitchoverContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var name = $"{_vmi}-naive-{Interlocked.Increment(ref _migrations)}";
        var pending = new Pending(context);
        _pending[name] = pending;
        _current = name;
        var created = await _kube.CreateAsync(
            new V1VirtualMachineInstanceMigration
            {
                ApiVersion = "kubevirt.io/v1",
                Kind = "VirtualMachineInstanceMigration",
                Metadata = new V1ObjectMeta { Name = name, Namespace = KubeVirtStandIn.Namespace },
                Spec = new V1VirtualMachineInstanceMigrationSpec { VmiName = _vmi },
            },
            cancellationToken).ConfigureAwait(false);
        var uid = created.Metadata!.Uid!;
        await SetVmiAsync(context.SourceChassis, MigrationState(uid, context, failed: false), cancellationToken).ConfigureAwait(false);
        await SetPhaseAsync(name, "Running", cancellationToken).ConfigureAwait(false);
        // The reactor must be watching, and connected to both nodes' OVSDB, before the migration can complete.
        await pending.Seen.Task.WaitAsync(_timeout, cancellationToken).ConfigureAwait(false);
        await _ifaceIds.ConnectAsync(context.Source.Node, cancellationToken).ConfigureAwait(false);
        await _ifaceIds.ConnectAsync(context.Target.Node, cancellationToken).ConfigureAwait(false);
        var migration = new KubeVirtMigration(KubeVirtStandIn.Namespace, _vmi, name, uid, context.SourceChassis, context.TargetChassis);
        _chain = await KubeVirtCompletionChain.StartAsync(_kube, migration, context.Signals, reportSucceeded: true, _timeout, cancellationToken).ConfigureAwait(false);
    }

    public async Task AfterCompletedAsync(PortSwitchoverContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var pending = _pending[_current!];
        var chain = _chain ?? throw new InvalidOperationException($"no migration of {_vmi} in progress: BeforeMigrationAsync first");
        _chain = null;
        context.Signals.ReportTargetResumed(DateTimeOffset.UtcNow);
        context.Signals.ReportSourceCompleted(DateTimeOffset.UtcNow);
        await using (chain.ConfigureAwait(false))
        {
            var hops = await chain.WaitAsync(cancellationToken).ConfigureAwait(false);
            var bound = await pending.Bound.Task.WaitAsync(_timeout, cancellationToken).ConfigureAwait(false);
            Chains.Add((hops, pending.SucceededSeen, bound));
            Reactions.Add(bound - hops.VmimSucceeded!.Value);
        }
    }

    public async Task AfterFailedAsync(PortSwitchoverContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (_chain is { } chain)
        {
            _chain = null;
            await chain.DisposeAsync().ConfigureAwait(false);
        }

        if (_current is not null)
        {
            var uid = (await _kube.GetAsync<V1VirtualMachineInstanceMigration>(KubeVirtStandIn.Namespace, _current, cancellationToken).ConfigureAwait(false)).Metadata!.Uid!;
            await SetVmiAsync(context.SourceChassis, MigrationState(uid, context, failed: true), cancellationToken).ConfigureAwait(false);
            await SetPhaseAsync(_current, "Failed", cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task ReactAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await foreach (var change in _kube.WatchAsync<V1VirtualMachineInstanceMigration>(KubeVirtStandIn.Namespace, null, cancellationToken).ConfigureAwait(false))
                {
                    var name = change.Object.Metadata?.Name ?? string.Empty;
                    if (!_pending.TryGetValue(name, out var pending))
                    {
                        continue;
                    }

                    pending.Seen.TrySetResult();
                    if (change.Object.Status?.Phase == "Succeeded" && !pending.Bound.Task.IsCompleted)
                    {
                        pending.SucceededSeen = DateTimeOffset.UtcNow;
                        var c = pending.Context;
                        // As fast as a node agent holding an OVSDB connection (no process per change, no wait for
                        // ovs-vswitchd). Source first: two chassis claiming the port at once would make ovn-controller
                        // throttle the claim.
                        try
                        {
                            await _ifaceIds.ClearAsync(c.Source.Node, c.Source.OvsPort, cancellationToken).ConfigureAwait(false);
                            await _ifaceIds.SetAsync(c.Target.Node, c.Target.OvsPort, c.LogicalPort, cancellationToken).ConfigureAwait(false);
                            pending.Bound.TrySetResult(DateTimeOffset.UtcNow);
                        }
                        catch (OvsdbException ex)
                        {
                            pending.Bound.TrySetException(new QemuException($"naive reactor: binding {c.LogicalPort} to {c.Target.OvsPort} on {c.TargetChassis} failed: {ex.Message}", ex));
                        }
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is KubeApiException or HttpRequestException or IOException)
            {
                // The watch broke: a real controller re-watches.
                await Task.Delay(100, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private Task SetPhaseAsync(string name, string phase, CancellationToken cancellationToken) =>
        _kube.PatchStatusAsync<V1VirtualMachineInstanceMigration>(
            KubeVirtStandIn.Namespace, name, KubePatch.Merge(new JsonObject { ["status"] = new JsonObject { ["phase"] = phase } }), cancellationToken);

    private Task SetVmiAsync(string node, JsonObject migrationState, CancellationToken cancellationToken) =>
        _kube.PatchStatusAsync<V1VirtualMachineInstance>(
            KubeVirtStandIn.Namespace,
            _vmi,
            KubePatch.Merge(new JsonObject { ["status"] = new JsonObject { ["phase"] = "Running", ["nodeName"] = node, ["migrationState"] = migrationState } }),
            cancellationToken);

    /// <summary>A fresh migrationState as virt-controller hands the migration to the nodes (every field of a previous one reset).</summary>
    private static JsonObject MigrationState(string uid, PortSwitchoverContext context, bool failed) => new()
    {
        ["migrationUid"] = uid,
        ["sourceNode"] = context.SourceChassis,
        ["targetNode"] = context.TargetChassis,
        ["completed"] = false,
        ["failed"] = failed,
        ["targetNodeDomainDetected"] = false,
        ["targetNodeDomainReadyTimestamp"] = null,
        ["endTimestamp"] = null,
    };

    public async ValueTask DisposeAsync()
    {
        if (_chain is not null)
        {
            await _chain.DisposeAsync().ConfigureAwait(false);
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _reactor.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }

        _stop.Dispose();
        await _ifaceIds.DisposeAsync().ConfigureAwait(false);
    }

    private sealed class Pending(PortSwitchoverContext context)
    {
        public PortSwitchoverContext Context { get; } = context;

        public DateTimeOffset SucceededSeen { get; set; }

        public TaskCompletionSource Seen { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource<DateTimeOffset> Bound { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
