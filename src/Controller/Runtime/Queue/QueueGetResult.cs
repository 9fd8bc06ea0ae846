namespace VmNet.Controller.Runtime.Queue;

/// <summary>
/// What <see cref="WorkQueue{T}.GetAsync"/> hands out: an item to process (the caller must call
/// <see cref="WorkQueue{T}.Done"/> for it), or the signal that the queue has shut down and is empty.
/// </summary>
public readonly record struct QueueGetResult<T>(T Item, bool ShutDown)
{
    public static QueueGetResult<T> Shutdown => new(default!, true);
}
