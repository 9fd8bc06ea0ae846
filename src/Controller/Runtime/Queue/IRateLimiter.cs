namespace VmNet.Controller.Runtime.Queue;

/// <summary>Decides how long an item waits before it is retried (client-go's workqueue.RateLimiter).</summary>
public interface IRateLimiter<in T>
    where T : notnull
{
    /// <summary>Records one more retry of <paramref name="item"/> and returns how long it should wait.</summary>
    TimeSpan When(T item);

    /// <summary>Forgets the retry history of <paramref name="item"/> (it succeeded or was dropped).</summary>
    void Forget(T item);

    /// <summary>How many times <paramref name="item"/> has been retried since it was last forgotten.</summary>
    int NumRequeues(T item);
}
