namespace VmNet.Controller.Runtime.Queue;

/// <summary>
/// A <see cref="DelayingWorkQueue{T}"/> whose retries are spaced by an <see cref="IRateLimiter{T}"/>
/// (client-go's RateLimitingInterface). Callers <see cref="Forget"/> an item once it succeeds so its
/// backoff starts over.
/// </summary>
public class RateLimitingWorkQueue<T> : DelayingWorkQueue<T>
    where T : notnull
{
    public RateLimitingWorkQueue(IRateLimiter<T>? rateLimiter = null, TimeProvider? timeProvider = null, IEqualityComparer<T>? comparer = null)
        : base(timeProvider, comparer)
    {
        RateLimiter = rateLimiter ?? RateLimiters.DefaultController<T>(TimeProvider);
    }

    public IRateLimiter<T> RateLimiter { get; }

    /// <summary>Adds <paramref name="item"/> once the rate limiter says it may be retried.</summary>
    public void AddRateLimited(T item) => AddAfter(item, RateLimiter.When(item));

    /// <summary>Clears the retry history of <paramref name="item"/>; it stays queued if it is queued.</summary>
    public void Forget(T item) => RateLimiter.Forget(item);

    public int NumRequeues(T item) => RateLimiter.NumRequeues(item);
}
