namespace VmNet.Controller.Runtime.Queue;

/// <summary>
/// An overall token bucket shared by all items (client-go's BucketRateLimiter over golang.org/x/time/rate):
/// <c>burst</c> retries go through at once, then one per 1/qps. Each call reserves a token, possibly in the
/// future, and returns the wait until that token becomes available. It never tracks items, so
/// <see cref="Forget"/> does nothing and <see cref="NumRequeues"/> is always 0.
/// </summary>
public sealed class BucketRateLimiter<T> : IRateLimiter<T>
    where T : notnull
{
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private double _tokens;
    private long _last;

    public BucketRateLimiter(double qps, int burst, TimeProvider? timeProvider = null)
    {
        if (!(qps > 0) || double.IsInfinity(qps))
        {
            throw new ArgumentOutOfRangeException(nameof(qps), qps, "qps must be a positive finite number");
        }

        if (burst < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(burst), burst, "burst must be at least 1");
        }

        Qps = qps;
        Burst = burst;
        _time = timeProvider ?? TimeProvider.System;
        _tokens = burst;
        _last = _time.GetTimestamp();
    }

    public double Qps { get; }

    public int Burst { get; }

    public TimeSpan When(T item)
    {
        lock (_gate)
        {
            var now = _time.GetTimestamp();
            if (now > _last)
            {
                _tokens = Math.Min(Burst, _tokens + (_time.GetElapsedTime(_last, now).TotalSeconds * Qps));
                _last = now;
            }

            // Tokens may go negative: that is a reservation of a token that arrives later.
            _tokens -= 1;
            return _tokens >= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(-_tokens / Qps);
        }
    }

    public void Forget(T item)
    {
    }

    public int NumRequeues(T item) => 0;
}
