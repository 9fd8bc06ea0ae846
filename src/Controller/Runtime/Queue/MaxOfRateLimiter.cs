namespace VmNet.Controller.Runtime.Queue;

/// <summary>
/// Combines limiters by waiting for the longest of their answers (client-go's MaxOfRateLimiter), e.g. a
/// per-item backoff together with an overall token bucket.
/// </summary>
public sealed class MaxOfRateLimiter<T> : IRateLimiter<T>
    where T : notnull
{
    private readonly IReadOnlyList<IRateLimiter<T>> _limiters;

    public MaxOfRateLimiter(params IRateLimiter<T>[] limiters)
    {
        ArgumentNullException.ThrowIfNull(limiters);
        if (limiters.Length == 0)
        {
            throw new ArgumentException("at least one rate limiter is required", nameof(limiters));
        }

        _limiters = [.. limiters];
    }

    public TimeSpan When(T item)
    {
        var longest = TimeSpan.Zero;
        foreach (var limiter in _limiters)
        {
            // Every limiter must see the retry, so no short-circuit.
            var wait = limiter.When(item);
            if (wait > longest)
            {
                longest = wait;
            }
        }

        return longest;
    }

    public void Forget(T item)
    {
        foreach (var limiter in _limiters)
        {
            limiter.Forget(item);
        }
    }

    public int NumRequeues(T item) => _limiters.Max(l => l.NumRequeues(item));
}
