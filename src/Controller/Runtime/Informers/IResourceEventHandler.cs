namespace VmNet.Controller.Runtime.Informers;

/// <summary>
/// Receives an informer's notifications, in order, one at a time, on the handler's own loop. Handlers
/// should be quick (typically: enqueue a key) and must not modify the objects, which the cache shares.
/// </summary>
public interface IResourceEventHandler<in T>
    where T : class
{
    /// <param name="isInInitialList">True for objects of the first list (or, for a late handler, the cache replayed to it).</param>
    void OnAdd(T obj, bool isInInitialList);

    /// <summary>Also called with the same object twice on a resync.</summary>
    void OnUpdate(T oldObj, T newObj);

    /// <param name="lastKnown">The object's last state the cache saw.</param>
    /// <param name="finalStateUnknown">
    /// True for a "tombstone": the delete was missed (it happened while the watch was down) and was inferred
    /// when a re-list no longer contained the object, so <paramref name="lastKnown"/> may be stale.
    /// </param>
    void OnDelete(T lastKnown, bool finalStateUnknown);
}
