namespace VmNet.Controller.Runtime.Queue;

/// <summary>
/// Per-item exponential backoff: the n-th retry of an item waits baseDelay * 2^(n-1), capped at maxDelay
/// (client-go's ItemExponentialFailureRateLimiter). Each item has its own failure count.
/// </summary>
public sealed class ItemExponentialFailureRateLimiter<T> : IRateLimiter<T>
    where T : notnull
{
    private readonly Dictionary<T, int> _failures;
    private readonly Lock _gate = new();

    public ItemExponentialFailureRateLimiter(TimeSpan baseDelay, TimeSpan maxDelay, IEqualityComparer<T>? comparer = null)
    {
        if (baseDelay <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(baseDelay), baseDelay, "baseDelay must be positive");
        }

        if (maxDelay < baseDelay)
        {
            throw new ArgumentOutOfRangeException(nameof(maxDelay), maxDelay, $"maxDelay must be at least baseDelay ({baseDelay})");
        }

        BaseDelay = baseDelay;
        MaxDelay = maxDelay;
        _failures = new Dictionary<T, int>(comparer);
    }

    public TimeSpan BaseDelay { get; }

    public TimeSpan MaxDelay { get; }

    public TimeSpan When(T item)
    {
        int exponent;
        lock (_gate)
        {
            _failures.TryGetValue(item, out exponent);
            _failures[item] = exponent == int.MaxValue ? exponent : exponent + 1;
        }

        // Doubling past the cap (or past what a double can hold) just means "the cap".
        var ticks = BaseDelay.Ticks * Math.Pow(2, exponent);
        return ticks >= MaxDelay.Ticks || double.IsInfinity(ticks) ? MaxDelay : TimeSpan.FromTicks((long)ticks);
    }

    public void Forget(T item)
    {
        lock (_gate)
        {
            _failures.Remove(item);
        }
    }

    public int NumRequeues(T item)
    {
        lock (_gate)
        {
            return _failures.TryGetValue(item, out var failures) ? failures : 0;
        }
    }
}
