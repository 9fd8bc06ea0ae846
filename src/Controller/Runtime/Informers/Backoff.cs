namespace VmNet.Controller.Runtime.Informers;

/// <summary>
/// Exponential backoff with jitter for reconnecting (client-go's reflector uses 800 ms doubling to 30 s,
/// reset after a quiet spell). Not thread-safe: one per loop.
/// </summary>
public sealed class Backoff
{
    private readonly TimeProvider _time;
    private readonly Random _jitter;
    private TimeSpan _next;
    private DateTimeOffset _lastFailure = DateTimeOffset.MinValue;

    public Backoff(TimeSpan initial, TimeSpan max, TimeSpan resetAfter, TimeProvider? timeProvider = null, Random? jitter = null)
    {
        if (initial <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(initial), initial, "initial backoff must be positive");
        }

        if (max < initial)
        {
            throw new ArgumentOutOfRangeException(nameof(max), max, $"max backoff must be at least the initial {initial}");
        }

        Initial = initial;
        Max = max;
        ResetAfter = resetAfter;
        _time = timeProvider ?? TimeProvider.System;
        _jitter = jitter ?? new Random();
        _next = initial;
    }

    public TimeSpan Initial { get; }

    public TimeSpan Max { get; }

    public TimeSpan ResetAfter { get; }

    /// <summary>The wait before the next attempt: grows with each failure, starts over after <see cref="ResetAfter"/> without one.</summary>
    public TimeSpan NextDelay()
    {
        var now = _time.GetUtcNow();
        if (now - _lastFailure > ResetAfter)
        {
            _next = Initial;
        }

        _lastFailure = now;
        var delay = _next;
        _next = TimeSpan.FromTicks(Math.Min(Max.Ticks, _next.Ticks * 2));

        // Up to +10% jitter so many clients that failed together do not retry together.
        return delay + TimeSpan.FromTicks((long)(delay.Ticks * 0.1 * _jitter.NextDouble()));
    }

    public void Reset() => _next = Initial;

    public Task DelayAsync(CancellationToken cancellationToken) => Task.Delay(NextDelay(), _time, cancellationToken);
}
