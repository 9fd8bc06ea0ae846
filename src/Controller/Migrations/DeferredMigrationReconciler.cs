using VmNet.Controller.Hosting;
using VmNet.Controller.Runtime.Queue;

namespace VmNet.Controller.Migrations;

/// <summary>
/// The migration controller must exist at registration (pod events queue VMIs before KubeVirt is discovered),
/// but its reconciler needs the KubeVirt informers: until they exist, keys come back later.
/// </summary>
internal sealed class DeferredMigrationReconciler(ControllerContext context, Task<KubeVirtInformerSet> informers, MigrationPorts ports, TimeSpan activationGrace) : IReconciler
{
    private static readonly TimeSpan NotDiscoveredRetry = TimeSpan.FromSeconds(1);

    private MigrationReconciler? _inner;

    public string Name => "vm-migration";

    public Task<ReconcileResult> ReconcileAsync(string key, CancellationToken cancellationToken)
    {
        if (!informers.IsCompletedSuccessfully)
        {
            return Task.FromResult(ReconcileResult.RequeueAfter(NotDiscoveredRetry));
        }

        _inner ??= new MigrationReconciler(context, informers.Result, ports, activationGrace);
        return _inner.ReconcileAsync(key, cancellationToken);
    }
}
