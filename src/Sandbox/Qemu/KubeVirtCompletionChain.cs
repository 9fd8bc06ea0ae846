using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using VmNet.Kube;
using VmNet.Kube.Models;

namespace VmNet.Sandbox.Qemu;

/// <summary>One migration KubeVirt carries out: the objects its components write about and the two nodes.</summary>
public sealed record KubeVirtMigration(string Namespace, string Vmi, string Vmim, string MigrationUid, string SourceNode, string TargetNode);

/// <summary>
/// When each hop of <see cref="KubeVirtCompletionChain"/> was acknowledged by the API server (UTC), after the guest's
/// RESUME on the target (QEMU's timestamp). <see cref="VmimSucceeded"/> is null when Succeeded was held back.
/// </summary>
public sealed record CompletionHops(DateTimeOffset Resumed, DateTimeOffset TargetReady, DateTimeOffset VmiCompleted, DateTimeOffset? VmimSucceeded);

/// <summary>
/// How KubeVirt turns a migration that finished in QEMU into a Succeeded VirtualMachineInstanceMigration, played
/// through the API for one migration: three actors, each reacting only to what it would see in a cluster (a domain
/// event of its own node, or an object change delivered by a watch), each hop a separate API write.
/// Facts (kubevirt/kubevirt; behaviour, not code):
/// <list type="number">
/// <item>pkg/virt-handler/vm.go, migrationTargetUpdateVMIStatus: the target virt-handler sets
/// <c>migrationState.targetNodeDomainDetected</c> once the domain exists on its node and
/// <c>targetNodeDomainReadyTimestamp</c> once the domain is active (running) there, "a trigger to help coordinate
/// when CNI drivers fail over the IP to the new pod"; one VMI update.</item>
/// <item>pkg/virt-handler/vm.go, migrationSourceUpdateVMIStatus: once its own domain is migrated (the libvirt job
/// finished on the source: virt-launcher's MigrateToURI3 returns and it records the result in the domain metadata),
/// the source virt-handler waits (hasTargetDetectedReadyDomain, up to 60 s) until the VMI shows both target fields,
/// then writes the migration ACK: <c>completed=true</c>, <c>endTimestamp</c>, <c>status.nodeName</c> = target; one
/// VMI update. (KubeVirt 1.6+ moved this to migration-target.go: the target virt-handler acknowledges nodeName and
/// endTimestamp, then finalizeMigration sets completed; still at least one VMI write after RESUME.)</item>
/// <item>pkg/virt-controller/watch/migration/migration.go, processMigrationPhase: in phase Running the migration
/// controller, woken by its VMI informer, sets the VMIM phase Succeeded only when <c>migrationState.completed</c> is
/// true; one UpdateStatus of the VMIM.</item>
/// </list>
/// No delay is added anywhere: the hops cost only the API round trips and watch deliveries, with none of the real
/// components' work queues or libvirt round trips, so this is the fastest KubeVirt could report Succeeded.
/// </summary>
public sealed class KubeVirtCompletionChain : IAsyncDisposable
{
    private const string DetectedField = "targetNodeDomainDetected";
    private const string ReadyField = "targetNodeDomainReadyTimestamp";

    private readonly IKubeClient _kube;
    private readonly KubeVirtMigration _migration;
    private readonly MigrationSignals _signals;
    private readonly TimeSpan _timeout;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _sourceWatching = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _controllerWatching = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _targetHandler;
    private readonly Task _sourceHandler;
    private readonly Task _migrationController;
    private DateTimeOffset _targetReady;
    private DateTimeOffset _vmiCompleted;
    private DateTimeOffset? _vmimSucceeded;

    private KubeVirtCompletionChain(IKubeClient kube, KubeVirtMigration migration, MigrationSignals signals, bool reportSucceeded, TimeSpan timeout)
    {
        _kube = kube;
        _migration = migration;
        _signals = signals;
        _timeout = timeout;
        _targetHandler = Task.Run(() => TargetHandlerAsync(_stop.Token));
        _sourceHandler = Task.Run(() => SourceHandlerAsync(_stop.Token));
        if (reportSucceeded)
        {
            _migrationController = Task.Run(() => MigrationControllerAsync(_stop.Token));
        }
        else
        {
            _controllerWatching.TrySetResult();
            _migrationController = Task.CompletedTask;
        }
    }

    /// <summary>
    /// Starts the actors once the VMI carries <paramref name="migration"/>'s <c>migrationUid</c> and the VMIM is Running;
    /// returns when their watches deliver (as informers synced before the migration can end).
    /// <paramref name="reportSucceeded"/> false leaves out the migration controller's hop.
    /// </summary>
    public static async Task<KubeVirtCompletionChain> StartAsync(
        IKubeClient kube, KubeVirtMigration migration, MigrationSignals signals, bool reportSucceeded, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var chain = new KubeVirtCompletionChain(kube, migration, signals, reportSucceeded, timeout);
        try
        {
            await Task.WhenAll(chain._sourceWatching.Task, chain._controllerWatching.Task).WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
            return chain;
        }
        catch
        {
            await chain.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Waits for the last hop this chain plays (VMIM Succeeded, or VMI completed when Succeeded is held back).</summary>
    public async Task<CompletionHops> WaitAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Task.WhenAll(_targetHandler, _sourceHandler, _migrationController).WaitAsync(_timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new QemuException(
                $"KubeVirt's completion chain for {_migration.Vmim} did not finish within {_timeout.TotalSeconds:0} s: target RESUME {Done(_signals.TargetResumed)}, "
                + $"source completed {Done(_signals.SourceCompleted)}, target ready written {Done(_targetHandler)}, VMI completed written {Done(_sourceHandler)}, VMIM Succeeded written {Done(_migrationController)}");
        }

        return new CompletionHops(await _signals.TargetResumed.ConfigureAwait(false), _targetReady, _vmiCompleted, _vmimSucceeded);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        foreach (var actor in new[] { _targetHandler, _sourceHandler, _migrationController })
        {
            try
            {
                await actor.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or KubeApiException or HttpRequestException or IOException)
            {
                // Stopped, or already reported through WaitAsync.
            }
        }

        _stop.Dispose();
    }

    /// <summary>Target virt-handler: the incoming domain exists on its node; then, on the domain event of RESUME, it is running there.</summary>
    private async Task TargetHandlerAsync(CancellationToken cancellationToken)
    {
        await PatchVmiAsync(new JsonObject { ["migrationState"] = new JsonObject { [DetectedField] = true } }, cancellationToken).ConfigureAwait(false);
        await _signals.TargetResumed.WaitAsync(cancellationToken).ConfigureAwait(false);
        await PatchVmiAsync(new JsonObject { ["migrationState"] = new JsonObject { [ReadyField] = Rfc3339(DateTimeOffset.UtcNow) } }, cancellationToken).ConfigureAwait(false);
        _targetReady = DateTimeOffset.UtcNow;
    }

    /// <summary>Source virt-handler: its migration job finished and its VMI watch shows the target's domain ready: the ACK.</summary>
    private Task SourceHandlerAsync(CancellationToken cancellationToken) =>
        WatchVmiUntilAsync(_sourceWatching, async (state, ct) =>
        {
            if (!(Flag(state, DetectedField) && Present(state, ReadyField)) || state.Completed == true)
            {
                return false;
            }

            await _signals.SourceCompleted.WaitAsync(ct).ConfigureAwait(false);
            var patch = new JsonObject
            {
                ["nodeName"] = _migration.TargetNode,
                ["migrationState"] = new JsonObject { ["completed"] = true, ["endTimestamp"] = Rfc3339(DateTimeOffset.UtcNow) },
            };
            await PatchVmiAsync(patch, ct).ConfigureAwait(false);
            _vmiCompleted = DateTimeOffset.UtcNow;
            return true;
        }, cancellationToken);

    /// <summary>virt-controller's migration controller: its VMI informer shows the migration completed: the VMIM succeeds.</summary>
    private Task MigrationControllerAsync(CancellationToken cancellationToken) =>
        WatchVmiUntilAsync(_controllerWatching, async (state, ct) =>
        {
            if (state is not { Completed: true } || state.Failed == true)
            {
                return false;
            }

            await _kube.PatchStatusAsync<V1VirtualMachineInstanceMigration>(
                _migration.Namespace, _migration.Vmim, KubePatch.Merge(new JsonObject { ["status"] = new JsonObject { ["phase"] = "Succeeded" } }), ct).ConfigureAwait(false);
            _vmimSucceeded = DateTimeOffset.UtcNow;
            return true;
        }, cancellationToken);

    /// <summary>Feeds this migration's VMI state to <paramref name="handle"/> on every change until it returns true; re-watches a broken watch.</summary>
    private async Task WatchVmiUntilAsync(
        TaskCompletionSource watching, Func<V1VirtualMachineInstanceMigrationState, CancellationToken, Task<bool>> handle, CancellationToken cancellationToken)
    {
        var options = new WatchOptions { FieldSelector = "metadata.name=" + _migration.Vmi };
        while (true)
        {
            try
            {
                await foreach (var change in _kube.WatchAsync<V1VirtualMachineInstance>(_migration.Namespace, options, cancellationToken).ConfigureAwait(false))
                {
                    if (change.Type == WatchEventType.Bookmark)
                    {
                        continue;
                    }

                    watching.TrySetResult();
                    if (change.Object.Status?.MigrationState is { } state && state.MigrationUid == _migration.MigrationUid
                        && await handle(state, cancellationToken).ConfigureAwait(false))
                    {
                        return;
                    }
                }
            }
            catch (Exception ex) when ((ex is KubeApiException or HttpRequestException or IOException) && !cancellationToken.IsCancellationRequested)
            {
                // The watch broke (or a write failed): watch again; its initial ADDED event re-delivers the current state.
            }

            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    private Task PatchVmiAsync(JsonObject status, CancellationToken cancellationToken) =>
        _kube.PatchStatusAsync<V1VirtualMachineInstance>(_migration.Namespace, _migration.Vmi, KubePatch.Merge(new JsonObject { ["status"] = status }), cancellationToken);

    private static bool Flag(V1VirtualMachineInstanceMigrationState state, string field) =>
        state.AdditionalProperties.TryGetValue(field, out var value) && value is JsonElement { ValueKind: JsonValueKind.True };

    private static bool Present(V1VirtualMachineInstanceMigrationState state, string field) =>
        state.AdditionalProperties.TryGetValue(field, out var value) && value is JsonElement { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) };

    /// <summary>metav1.Time's wire form (RFC 3339, whole seconds) as KubeVirt writes it.</summary>
    public static string Rfc3339(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    private static string Done(Task task) => task.IsCompletedSuccessfully ? "yes" : task.IsFaulted ? "failed: " + task.Exception?.GetBaseException().Message : "no";
}
