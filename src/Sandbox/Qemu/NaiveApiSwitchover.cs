using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using VmNet.Kube;
using VmNet.Kube.Models;

namespace VmNet.Sandbox.Qemu;

/// <summary>
/// The baseline without multi-chassis binding, reacting through the Kubernetes API as a controller would: KubeVirt's
/// side (a VirtualMachineInstanceMigration per migration, Running, then Succeeded once QEMU completed) is played
/// here, and a separate reactor that only watches VMIMs moves the port (source iface-id cleared, target set) when it
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

    public async Task BeforeMigrationAsync(PortSwitchoverContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var name = $"{_vmi}-naive-{Interlocked.Increment(ref _migrations)}";
        var pending = new Pending(context);
        _pending[name] = pending;
        _current = name;
        await _kube.CreateAsync(
            new V1VirtualMachineInstanceMigration
            {
                ApiVersion = "kubevirt.io/v1",
                Kind = "VirtualMachineInstanceMigration",
                Metadata = new V1ObjectMeta { Name = name, Namespace = KubeVirtStandIn.Namespace },
                Spec = new V1VirtualMachineInstanceMigrationSpec { VmiName = _vmi },
            },
            cancellationToken).ConfigureAwait(false);
        await SetVmiNodeAsync(context.SourceChassis, cancellationToken).ConfigureAwait(false);
        await SetPhaseAsync(name, "Running", cancellationToken).ConfigureAwait(false);
        // The reactor must be watching before the migration can complete.
        await pending.Seen.Task.WaitAsync(_timeout, cancellationToken).ConfigureAwait(false);
    }

    public async Task AfterCompletedAsync(PortSwitchoverContext context, CancellationToken cancellationToken)
    {
        var pending = _pending[_current!];
        ArgumentNullException.ThrowIfNull(context);
        await SetVmiNodeAsync(context.TargetChassis, cancellationToken).ConfigureAwait(false);
        var written = DateTimeOffset.UtcNow;
        await SetPhaseAsync(_current!, "Succeeded", cancellationToken).ConfigureAwait(false);
        var bound = await pending.Bound.Task.WaitAsync(_timeout, cancellationToken).ConfigureAwait(false);
        Reactions.Add(bound - written);
    }

    public Task AfterFailedAsync(PortSwitchoverContext context, CancellationToken cancellationToken) =>
        _current is null ? Task.CompletedTask : SetPhaseAsync(_current, "Failed", cancellationToken);

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
                        var c = pending.Context;
                        await c.Source.ClearIfaceIdAsync(cancellationToken).ConfigureAwait(false);
                        await c.Target.SetIfaceIdAsync(c.LogicalPort, cancellationToken).ConfigureAwait(false);
                        pending.Bound.TrySetResult(DateTimeOffset.UtcNow);
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

    private Task SetVmiNodeAsync(string node, CancellationToken cancellationToken) =>
        _kube.PatchStatusAsync<V1VirtualMachineInstance>(
            KubeVirtStandIn.Namespace, _vmi, KubePatch.Merge(new JsonObject { ["status"] = new JsonObject { ["phase"] = "Running", ["nodeName"] = node } }), cancellationToken);

    public async ValueTask DisposeAsync()
    {
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
    }

    private sealed class Pending(PortSwitchoverContext context)
    {
        public PortSwitchoverContext Context { get; } = context;

        public TaskCompletionSource Seen { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource<DateTimeOffset> Bound { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
