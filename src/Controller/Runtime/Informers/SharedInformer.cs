using Microsoft.Extensions.Logging;

namespace VmNet.Controller.Runtime.Informers;

/// <summary>
/// One list+watch per resource feeding an indexed cache and any number of handlers (client-go's
/// SharedIndexInformer). Cache changes and handler notifications happen together under one lock, so every
/// handler sees exactly the cache's history: no change is lost or reported twice, including across
/// watch restarts and re-lists (a re-list reports only the differences, deletes it had missed as tombstones).
/// </summary>
public sealed class SharedInformer<T> : ISharedInformer<T>, IReflectorStore<T>
    where T : class
{
    private readonly IListWatcher<T> _listWatcher;
    private readonly SharedInformerOptions<T> _options;
    private readonly Reflector<T> _reflector;
    private readonly Lock _dispatch = new();
    private readonly List<ProcessorListener<T>> _listeners = [];
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CancellationToken _running;
    private int _started;

    public SharedInformer(IListWatcher<T> listWatcher, IObjectMetaAccessor<T> meta, SharedInformerOptions<T>? options = null)
    {
        _listWatcher = listWatcher ?? throw new ArgumentNullException(nameof(listWatcher));
        Meta = meta ?? throw new ArgumentNullException(nameof(meta));
        _options = options ?? new SharedInformerOptions<T>();
        Indexer = new Indexer<T>(obj => ObjectKeys.For(Meta, obj));
        _reflector = new Reflector<T>(_listWatcher, this, Meta, _options);
    }

    public Indexer<T> Indexer { get; }

    public IObjectMetaAccessor<T> Meta { get; }

    public bool HasSynced => _synced.Task.IsCompleted;

    public string? LastSyncResourceVersion => _reflector.LastSyncResourceVersion;

    /// <summary>How many times the informer has listed; more than one means it re-listed.</summary>
    public int ListCount => _reflector.ListCount;

    public bool IsRunning => Volatile.Read(ref _started) == 1;

    public IHandlerRegistration AddEventHandler(IResourceEventHandler<T> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var listener = new ProcessorListener<T>(handler, _options.Logger);
        lock (_dispatch)
        {
            if (HasSynced)
            {
                foreach (var obj in Indexer.List())
                {
                    listener.Enqueue(Notification<T>.Added(obj, true));
                }

                listener.MarkInitialListEnqueued();
            }

            _listeners.Add(listener);
            if (IsRunning)
            {
                StartListener(listener);
            }
        }

        return listener;
    }

    public void RemoveEventHandler(IHandlerRegistration registration)
    {
        lock (_dispatch)
        {
            if (registration is ProcessorListener<T> listener && _listeners.Remove(listener))
            {
                listener.Complete();
            }
        }
    }

    public Task WaitForCacheSyncAsync(CancellationToken cancellationToken) => _synced.Task.WaitAsync(cancellationToken);

    /// <summary>Lists, watches and notifies until <paramref name="cancellationToken"/> fires. Runs once.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _started, 1) == 1)
        {
            throw new InvalidOperationException($"informer {_options.Name} is already running; share it instead of running it twice");
        }

        lock (_dispatch)
        {
            _running = cancellationToken;
            foreach (var listener in _listeners)
            {
                StartListener(listener);
            }
        }

        var resync = _options.ResyncPeriod > TimeSpan.Zero ? ResyncLoopAsync(cancellationToken) : Task.CompletedTask;
        try
        {
            await _reflector.RunAsync(cancellationToken).ConfigureAwait(false);
            await resync.ConfigureAwait(false);
        }
        finally
        {
            lock (_dispatch)
            {
                foreach (var listener in _listeners)
                {
                    listener.Complete();
                }
            }
        }
    }

    void IReflectorStore<T>.Replace(IReadOnlyList<T> items, string resourceVersion)
    {
        lock (_dispatch)
        {
            var listed = new HashSet<string>(StringComparer.Ordinal);
            var initial = !HasSynced;
            foreach (var raw in items)
            {
                var obj = Transform(raw);
                var key = Indexer.KeyFunc(obj);
                listed.Add(key);
                var old = Indexer.Get(key);
                if (old is not null && SameVersion(old, obj))
                {
                    continue;
                }

                if (old is not null && Recreated(old, obj))
                {
                    // Deleted and created again under the same name while we were not watching: report it as
                    // such (client-go reports an update), so owners of per-object state release the old one.
                    Indexer.Remove(key);
                    Notify(Notification<T>.Deleted(old, finalStateUnknown: true));
                    old = null;
                }

                Indexer.Upsert(obj);
                Notify(old is null ? Notification<T>.Added(obj, initial) : Notification<T>.Updated(old, obj));
            }

            foreach (var key in Indexer.ListKeys())
            {
                if (!listed.Contains(key) && Indexer.Remove(key) is { } gone)
                {
                    Notify(Notification<T>.Deleted(gone, finalStateUnknown: true));
                }
            }

            if (initial)
            {
                foreach (var listener in _listeners)
                {
                    listener.MarkInitialListEnqueued();
                }

                _synced.TrySetResult();
                _options.Logger.LogInformation("{Informer}: cache synced with {Count} objects at {ResourceVersion}", _options.Name, Indexer.Count, resourceVersion);
            }
        }
    }

    void IReflectorStore<T>.Apply(WatchEventType type, T raw)
    {
        var obj = Transform(raw);
        var key = Indexer.KeyFunc(obj);
        lock (_dispatch)
        {
            if (type == WatchEventType.Deleted)
            {
                // A delete of something never cached has nothing to tell handlers (client-go skips it too).
                if (Indexer.Remove(key) is not null)
                {
                    Notify(Notification<T>.Deleted(obj, finalStateUnknown: false));
                }

                return;
            }

            var old = Indexer.Get(key);
            if (old is not null && SameVersion(old, obj))
            {
                return;
            }

            Indexer.Upsert(obj);
            Notify(old is null ? Notification<T>.Added(obj, false) : Notification<T>.Updated(old, obj));
        }
    }

    private T Transform(T obj) => _options.Transform is { } transform ? transform(obj) : obj;

    private bool SameVersion(T cached, T incoming)
    {
        var cachedVersion = Meta.GetResourceVersion(cached);
        return !string.IsNullOrEmpty(cachedVersion) && string.Equals(cachedVersion, Meta.GetResourceVersion(incoming), StringComparison.Ordinal);
    }

    private bool Recreated(T cached, T incoming)
    {
        var cachedUid = Meta.GetUid(cached);
        var incomingUid = Meta.GetUid(incoming);
        return !string.IsNullOrEmpty(cachedUid) && !string.IsNullOrEmpty(incomingUid) && !string.Equals(cachedUid, incomingUid, StringComparison.Ordinal);
    }

    private void Notify(Notification<T> notification)
    {
        foreach (var listener in _listeners)
        {
            listener.Enqueue(notification);
        }
    }

    private void StartListener(ProcessorListener<T> listener)
    {
        var token = _running;
        _ = Task.Run(() => listener.RunAsync(token), CancellationToken.None);
    }

    private async Task ResyncLoopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _synced.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            using var timer = new PeriodicTimer(_options.ResyncPeriod, _options.TimeProvider);
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                lock (_dispatch)
                {
                    foreach (var obj in Indexer.List())
                    {
                        Notify(Notification<T>.Updated(obj, obj));
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }
}
