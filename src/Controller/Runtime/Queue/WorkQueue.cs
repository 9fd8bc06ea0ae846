namespace VmNet.Controller.Runtime.Queue;

/// <summary>
/// A de-duplicating FIFO work queue with client-go's workqueue semantics:
/// a key added while it waits in the queue is stored once; a key added while a worker processes it is
/// marked dirty and re-queued only when that worker calls <see cref="Done"/>, so no key is ever processed
/// by two workers at once. Level-triggered reconcilers rely on this: the latest state is read at
/// processing time, so collapsing repeated adds loses nothing.
/// </summary>
public class WorkQueue<T> : IDisposable
    where T : notnull
{
    private readonly Queue<T> _queue = new();
    private readonly HashSet<T> _dirty;
    private readonly HashSet<T> _processing;
    private readonly LinkedList<TaskCompletionSource> _getWaiters = new();
    private readonly List<TaskCompletionSource> _drainWaiters = [];
    private bool _shuttingDown;

    public WorkQueue(IEqualityComparer<T>? comparer = null)
    {
        _dirty = new HashSet<T>(comparer);
        _processing = new HashSet<T>(comparer);
    }

    /// <summary>Guards every field here; subclasses take it too so their state changes stay atomic with ours.</summary>
    protected object Gate { get; } = new();

    /// <summary>Number of items waiting to be handed out (not counting those being processed).</summary>
    public int Count
    {
        get
        {
            lock (Gate)
            {
                return _queue.Count;
            }
        }
    }

    /// <summary>Number of items handed out and not yet marked <see cref="Done"/>.</summary>
    public int ProcessingCount
    {
        get
        {
            lock (Gate)
            {
                return _processing.Count;
            }
        }
    }

    public bool IsShuttingDown
    {
        get
        {
            lock (Gate)
            {
                return _shuttingDown;
            }
        }
    }

    /// <summary>Shutdown state for subclasses that already hold <see cref="Gate"/>.</summary>
    protected bool IsShuttingDownLocked => _shuttingDown;

    /// <summary>Queues <paramref name="item"/> unless it is already queued; ignored after shutdown.</summary>
    public void Add(T item)
    {
        lock (Gate)
        {
            AddLocked(item);
        }
    }

    /// <summary>
    /// Waits for the next item and marks it as being processed. Items still queued at shutdown are
    /// handed out; once the queue is shut down and empty the result has <c>ShutDown</c> set.
    /// </summary>
    public async ValueTask<QueueGetResult<T>> GetAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            TaskCompletionSource waiter;
            lock (Gate)
            {
                if (_queue.Count > 0)
                {
                    var item = _queue.Dequeue();
                    _processing.Add(item);
                    _dirty.Remove(item);
                    return new QueueGetResult<T>(item, false);
                }

                if (_shuttingDown)
                {
                    return QueueGetResult<T>.Shutdown;
                }

                cancellationToken.ThrowIfCancellationRequested();
                waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _getWaiters.AddLast(waiter);
            }

            try
            {
                await waiter.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                lock (Gate)
                {
                    // If we were already woken for an item, pass the wake-up on so the item is not stranded.
                    if (!_getWaiters.Remove(waiter))
                    {
                        WakeOneLocked();
                    }
                }

                throw;
            }
        }
    }

    /// <summary>
    /// Marks <paramref name="item"/> as processed. If it was added again meanwhile, it goes back to the queue now.
    /// </summary>
    public void Done(T item)
    {
        lock (Gate)
        {
            _processing.Remove(item);
            if (_dirty.Contains(item))
            {
                _queue.Enqueue(item);
                WakeOneLocked();
            }
            else
            {
                CompleteDrainWaitersIfDrainedLocked();
            }
        }
    }

    /// <summary>Stops accepting items; workers still receive what is queued, then see shutdown.</summary>
    public void ShutDown()
    {
        lock (Gate)
        {
            ShutDownLocked();
        }
    }

    /// <summary>
    /// Stops accepting items and waits until every item handed out has been marked <see cref="Done"/>
    /// and every item already queued has been handed out and finished.
    /// </summary>
    public Task ShutDownWithDrainAsync(CancellationToken cancellationToken)
    {
        Task drained;
        lock (Gate)
        {
            ShutDownLocked();
            if (_processing.Count == 0 && _queue.Count == 0)
            {
                return Task.CompletedTask;
            }

            var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _drainWaiters.Add(waiter);
            drained = waiter.Task;
        }

        return drained.WaitAsync(cancellationToken);
    }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            ShutDown();
        }
    }

    /// <summary>Add with <see cref="Gate"/> already held, so subclasses can move items in atomically.</summary>
    protected void AddLocked(T item)
    {
        if (_shuttingDown || !_dirty.Add(item))
        {
            return;
        }

        if (_processing.Contains(item))
        {
            return;
        }

        _queue.Enqueue(item);
        WakeOneLocked();
    }

    protected virtual void ShutDownLocked()
    {
        _shuttingDown = true;
        while (_getWaiters.First is { } first)
        {
            _getWaiters.RemoveFirst();
            first.Value.TrySetResult();
        }

        CompleteDrainWaitersIfDrainedLocked();
    }

    private void WakeOneLocked()
    {
        if (_getWaiters.First is { } first)
        {
            _getWaiters.RemoveFirst();
            first.Value.TrySetResult();
        }
    }

    private void CompleteDrainWaitersIfDrainedLocked()
    {
        if (!_shuttingDown || _processing.Count > 0 || _queue.Count > 0)
        {
            return;
        }

        foreach (var waiter in _drainWaiters)
        {
            waiter.TrySetResult();
        }

        _drainWaiters.Clear();
    }
}
