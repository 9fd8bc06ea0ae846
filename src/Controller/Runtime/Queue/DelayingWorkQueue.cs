namespace VmNet.Controller.Runtime.Queue;

/// <summary>
/// A <see cref="WorkQueue{T}"/> that can also add an item after a delay (client-go's DelayingInterface).
/// An item waiting for its delay is held once: adding it again with an earlier ready time moves it
/// earlier, a later one is ignored. Items with the same ready time fire in the order they were added.
/// Time comes from a <see cref="TimeProvider"/> so tests can drive it.
/// </summary>
public class DelayingWorkQueue<T> : WorkQueue<T>
    where T : notnull
{
    private readonly PriorityQueue<T, (long ReadyAt, long Sequence)> _waiting = new();
    private readonly Dictionary<T, (long ReadyAt, long Sequence)> _waitingEntries;
    private readonly ITimer _timer;
    private long _sequence;
    private long? _timerDueAt;

    public DelayingWorkQueue(TimeProvider? timeProvider = null, IEqualityComparer<T>? comparer = null)
        : base(comparer)
    {
        TimeProvider = timeProvider ?? TimeProvider.System;
        _waitingEntries = new Dictionary<T, (long, long)>(comparer);
        _timer = TimeProvider.CreateTimer(_ => FireReady(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public TimeProvider TimeProvider { get; }

    /// <summary>Number of items waiting for their delay to pass.</summary>
    public int WaitingCount
    {
        get
        {
            lock (Gate)
            {
                return _waitingEntries.Count;
            }
        }
    }

    /// <summary>Adds <paramref name="item"/> once <paramref name="delay"/> has passed; at once when it is not positive.</summary>
    public void AddAfter(T item, TimeSpan delay)
    {
        lock (Gate)
        {
            if (IsShuttingDownLocked)
            {
                return;
            }

            if (delay <= TimeSpan.Zero)
            {
                AddLocked(item);
                return;
            }

            var readyAt = TimeProvider.GetTimestamp() + ToTimestampUnits(delay);
            if (_waitingEntries.TryGetValue(item, out var existing))
            {
                if (existing.ReadyAt <= readyAt)
                {
                    return;
                }

                _waiting.Remove(item, out _, out _, _waitingEntries.Comparer);
            }

            var key = (readyAt, _sequence++);
            _waitingEntries[item] = key;
            _waiting.Enqueue(item, key);
            ArmTimerLocked();
        }
    }

    protected override void ShutDownLocked()
    {
        base.ShutDownLocked();
        _waiting.Clear();
        _waitingEntries.Clear();
        _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _timerDueAt = null;
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            _timer.Dispose();
        }
    }

    private void FireReady()
    {
        lock (Gate)
        {
            _timerDueAt = null;
            var now = TimeProvider.GetTimestamp();
            while (_waiting.TryPeek(out var item, out var key) && key.ReadyAt <= now)
            {
                _waiting.Dequeue();
                _waitingEntries.Remove(item);
                AddLocked(item);
            }

            ArmTimerLocked();
        }
    }

    private void ArmTimerLocked()
    {
        if (!_waiting.TryPeek(out _, out var next))
        {
            return;
        }

        if (_timerDueAt is { } due && due <= next.ReadyAt)
        {
            return;
        }

        _timerDueAt = next.ReadyAt;
        var remaining = next.ReadyAt - TimeProvider.GetTimestamp();
        var wait = remaining <= 0 ? TimeSpan.Zero : TimeSpan.FromTicks((long)Math.Ceiling(remaining * ((double)TimeSpan.TicksPerSecond / TimeProvider.TimestampFrequency)));
        _timer.Change(wait, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Delays are kept on the monotonic timestamp clock, so wall-clock jumps neither fire nor stall them.</summary>
    private long ToTimestampUnits(TimeSpan delay) =>
        (long)Math.Ceiling(delay.Ticks * ((double)TimeProvider.TimestampFrequency / TimeSpan.TicksPerSecond));
}
