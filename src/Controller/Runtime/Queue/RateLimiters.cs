namespace VmNet.Controller.Runtime.Queue;

/// <summary>Ready-made limiter combinations.</summary>
public static class RateLimiters
{
    /// <summary>
    /// client-go's DefaultControllerRateLimiter: per-item backoff from 5 ms doubling to 1000 s, together with
    /// an overall bucket of 10 retries per second and a burst of 100; the longer wait wins.
    /// </summary>
    public static IRateLimiter<T> DefaultController<T>(TimeProvider? timeProvider = null)
        where T : notnull =>
        Combined<T>(TimeSpan.FromMilliseconds(5), TimeSpan.FromSeconds(1000), 10, 100, timeProvider);

    /// <summary>Per-item exponential backoff combined with an overall token bucket.</summary>
    public static IRateLimiter<T> Combined<T>(TimeSpan baseDelay, TimeSpan maxDelay, double qps, int burst, TimeProvider? timeProvider = null)
        where T : notnull =>
        new MaxOfRateLimiter<T>(
            new ItemExponentialFailureRateLimiter<T>(baseDelay, maxDelay),
            new BucketRateLimiter<T>(qps, burst, timeProvider));
}
