namespace VmNet.Controller.Runtime.Informers;

/// <summary>The part of an informer controllers use: its cache and its notifications.</summary>
public interface ISharedInformer<T>
    where T : class
{
    Indexer<T> Indexer { get; }

    IObjectMetaAccessor<T> Meta { get; }

    /// <summary>True once the first list is in the cache.</summary>
    bool HasSynced { get; }

    string? LastSyncResourceVersion { get; }

    /// <summary>Adds a handler; if the cache is already filled, the handler first gets an add for every cached object.</summary>
    IHandlerRegistration AddEventHandler(IResourceEventHandler<T> handler);

    void RemoveEventHandler(IHandlerRegistration registration);

    Task WaitForCacheSyncAsync(CancellationToken cancellationToken);
}
