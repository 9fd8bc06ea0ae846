namespace VmNet.Controller.Runtime.Informers;

/// <summary>
/// Hands out one informer per resource (and scope) so several controllers share one watch and one cache
/// (client-go's SharedInformerFactory). <see cref="Start"/> runs every informer not yet running; it may be
/// called again after more informers were requested.
/// </summary>
public sealed class SharedInformerFactory : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(Type Type, string Scope), Entry> _informers = [];
    private readonly CancellationTokenSource _stopping = new();
    private bool _disposed;

    /// <summary>
    /// The informer for <typeparamref name="T"/> in <paramref name="scope"/> (e.g. the resource plural plus a
    /// namespace or selector); <paramref name="create"/> runs only for the first caller.
    /// </summary>
    public SharedInformer<T> GetOrAdd<T>(string scope, Func<SharedInformer<T>> create)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(create);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_informers.TryGetValue((typeof(T), scope), out var existing))
            {
                return (SharedInformer<T>)existing.Informer;
            }

            var informer = create();
            _informers[(typeof(T), scope)] = new Entry(informer, informer.RunAsync, informer.WaitForCacheSyncAsync);
            return informer;
        }
    }

    /// <summary>Number of distinct informers handed out.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _informers.Count;
            }
        }
    }

    /// <summary>Starts every informer not yet started; they run until <paramref name="cancellationToken"/> fires or the factory is disposed.</summary>
    public void Start(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            foreach (var entry in _informers.Values.Where(e => e.Running is null))
            {
                var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token);
                entry.Running = Task.Run(
                    async () =>
                    {
                        using (linked)
                        {
                            await entry.Run(linked.Token).ConfigureAwait(false);
                        }
                    },
                    CancellationToken.None);
            }
        }
    }

    /// <summary>Waits until every informer handed out so far has its first list cached.</summary>
    public Task WaitForCacheSyncAsync(CancellationToken cancellationToken)
    {
        List<Entry> entries;
        lock (_gate)
        {
            entries = [.. _informers.Values];
        }

        return Task.WhenAll(entries.Select(e => e.WaitForSync(cancellationToken)));
    }

    public async ValueTask DisposeAsync()
    {
        List<Task> running;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            running = [.. _informers.Values.Select(e => e.Running).OfType<Task>()];
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(running).ConfigureAwait(false);
        _stopping.Dispose();
    }

    private sealed class Entry(object informer, Func<CancellationToken, Task> run, Func<CancellationToken, Task> waitForSync)
    {
        public object Informer { get; } = informer;

        public Func<CancellationToken, Task> Run { get; } = run;

        public Func<CancellationToken, Task> WaitForSync { get; } = waitForSync;

        public Task? Running { get; set; }
    }
}
