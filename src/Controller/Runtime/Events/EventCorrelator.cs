using VmNet.Kube.Models;

namespace VmNet.Controller.Runtime.Events;

/// <summary>What to do with one recorded event.</summary>
public enum CorrelationAction
{
    /// <summary>First occurrence (in the window): create a new Event.</summary>
    Create,

    /// <summary>A repeat: patch the existing Event's count and lastTimestamp.</summary>
    Patch,

    /// <summary>Over the per-object rate: drop it.</summary>
    Drop,
}

/// <summary>The correlator's decision; for <see cref="CorrelationAction.Patch"/>, <see cref="EventName"/> is the Event to patch.</summary>
public sealed record CorrelationResult(CorrelationAction Action, string EventName, string? EventNamespace, int Count, DateTimeOffset FirstTimestamp, DateTimeOffset LastTimestamp);

/// <summary>
/// De-duplicates and rate-limits events (client-go's EventCorrelator): the same object, type, reason and message
/// within the aggregation window becomes one Event with a growing count; each object gets a token bucket so a
/// hot loop cannot flood the API server. Bounded memory: least recently used entries are evicted.
/// </summary>
public sealed class EventCorrelator
{
    private readonly EventRecorderOptions _options;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly LruCache<string, Occurrence> _occurrences;
    private readonly LruCache<string, ObjectBucket> _buckets;

    public EventCorrelator(EventRecorderOptions options)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _time = options.TimeProvider;
        _occurrences = new LruCache<string, Occurrence>(options.CacheSize);
        _buckets = new LruCache<string, ObjectBucket>(options.CacheSize);
    }

    public CorrelationResult Correlate(V1ObjectReference involved, EventType type, string reason, string message)
    {
        ArgumentNullException.ThrowIfNull(involved);
        var now = _time.GetUtcNow();
        var objectKey = string.Join('\u0001', involved.Kind, involved.Namespace, involved.Name, involved.Uid);
        var eventKey = string.Join('\u0001', objectKey, type, reason, message);
        lock (_gate)
        {
            if (!TakeToken(objectKey, now))
            {
                return new CorrelationResult(CorrelationAction.Drop, string.Empty, involved.Namespace, 0, now, now);
            }

            if (_occurrences.TryGet(eventKey, out var seen) && now - seen.LastTimestamp <= _options.AggregationWindow)
            {
                seen.Count++;
                seen.LastTimestamp = now;
                return new CorrelationResult(CorrelationAction.Patch, seen.EventName, involved.Namespace, seen.Count, seen.FirstTimestamp, now);
            }

            // client-go names events <object>.<unix nanos in hex>: unique, and sorts by creation time.
            var name = $"{involved.Name}.{(now - DateTimeOffset.UnixEpoch).Ticks * 100:x}";
            _occurrences.Set(eventKey, new Occurrence(name, now));
            return new CorrelationResult(CorrelationAction.Create, name, involved.Namespace, 1, now, now);
        }
    }

    private bool TakeToken(string objectKey, DateTimeOffset now)
    {
        if (!_buckets.TryGet(objectKey, out var bucket))
        {
            bucket = new ObjectBucket(_options.BurstPerObject, now);
            _buckets.Set(objectKey, bucket);
        }

        var refill = _options.RefillIntervalPerObject;
        if (refill > TimeSpan.Zero && now > bucket.LastRefill)
        {
            var earned = (now - bucket.LastRefill) / refill;
            bucket.Tokens = Math.Min(_options.BurstPerObject, bucket.Tokens + earned);
            bucket.LastRefill = now;
        }

        if (bucket.Tokens < 1)
        {
            return false;
        }

        bucket.Tokens -= 1;
        return true;
    }

    private sealed class Occurrence(string eventName, DateTimeOffset first)
    {
        public string EventName { get; } = eventName;

        public DateTimeOffset FirstTimestamp { get; } = first;

        public DateTimeOffset LastTimestamp { get; set; } = first;

        public int Count { get; set; } = 1;
    }

    private sealed class ObjectBucket(double tokens, DateTimeOffset lastRefill)
    {
        public double Tokens { get; set; } = tokens;

        public DateTimeOffset LastRefill { get; set; } = lastRefill;
    }
}
