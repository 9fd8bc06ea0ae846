namespace VmNet.ApiServer;

/// <summary>
/// A bounded ring of recent events across all resources, like etcd's history before compaction.
/// A watch may resume from any resourceVersion at or after <see cref="CompactedRevision"/>.
/// Not thread-safe: the store calls it under its lock.
/// </summary>
internal sealed class EventHistory
{
    private readonly StoreEvent?[] _ring;
    private int _start;
    private int _count;

    public EventHistory(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _ring = new StoreEvent?[capacity];
    }

    /// <summary>The newest revision no longer replayable; watches must start at or after it.</summary>
    public long CompactedRevision { get; private set; }

    public void Add(StoreEvent e)
    {
        if (_count == _ring.Length)
        {
            CompactedRevision = _ring[_start]!.ResourceVersion;
            _ring[_start] = e;
            _start = (_start + 1) % _ring.Length;
            return;
        }

        _ring[(_start + _count) % _ring.Length] = e;
        _count++;
    }

    /// <summary>Drops everything up to and including <paramref name="revision"/>.</summary>
    public void CompactTo(long revision)
    {
        while (_count > 0 && _ring[_start]!.ResourceVersion <= revision)
        {
            _ring[_start] = null;
            _start = (_start + 1) % _ring.Length;
            _count--;
        }

        CompactedRevision = Math.Max(CompactedRevision, revision);
    }

    public IEnumerable<StoreEvent> After(long revision, GroupResource resource)
    {
        for (var i = 0; i < _count; i++)
        {
            var e = _ring[(_start + i) % _ring.Length]!;
            if (e.ResourceVersion > revision && e.Resource == resource)
            {
                yield return e;
            }
        }
    }
}
