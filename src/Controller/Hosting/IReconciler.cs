using VmNet.Controller.Runtime.Queue;

namespace VmNet.Controller.Hosting;

/// <summary>
/// One resource controller's level-triggered logic: given a key (<c>name</c> for cluster-scoped objects,
/// <c>namespace/name</c> otherwise), read the current state from the informer caches and make the world
/// match it. Must be idempotent: the same key may be reconciled any number of times, by any worker, and
/// the object may be gone by the time it runs. Throwing requeues the key with backoff.
/// </summary>
public interface IReconciler
{
    /// <summary>Queue and log name, e.g. <c>subnet</c>.</summary>
    string Name { get; }

    Task<ReconcileResult> ReconcileAsync(string key, CancellationToken cancellationToken);
}
