using VmNet.Controller.Runtime.Queue;

namespace VmNet.Controller.Runtime.Informers;

/// <summary>The usual wiring of a level-triggered controller: every notification queues the object's key.</summary>
public static class InformerQueueExtensions
{
    /// <summary>Queues the "namespace/name" key of every added, updated or deleted object (tombstones included).</summary>
    public static IHandlerRegistration EnqueueKeysTo<T>(this ISharedInformer<T> informer, WorkQueue<string> queue)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(informer);
        ArgumentNullException.ThrowIfNull(queue);
        var meta = informer.Meta;
        return informer.AddEventHandler(ResourceEventHandler<T>.ForKeys(obj => queue.Add(ObjectKeys.For(meta, obj))));
    }

    /// <summary>Queues a key derived from each notified object (e.g. its owner's key); null means "nothing to queue".</summary>
    public static IHandlerRegistration EnqueueTo<T, TKey>(this ISharedInformer<T> informer, WorkQueue<TKey> queue, Func<T, TKey?> keyOf)
        where T : class
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(informer);
        ArgumentNullException.ThrowIfNull(queue);
        ArgumentNullException.ThrowIfNull(keyOf);
        return informer.AddEventHandler(ResourceEventHandler<T>.ForKeys(obj =>
        {
            if (keyOf(obj) is { } key)
            {
                queue.Add(key);
            }
        }));
    }
}
