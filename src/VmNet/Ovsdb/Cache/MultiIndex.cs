namespace VmNet.Ovsdb.Cache;

/// <summary>
/// A key to rows index that is cheap for the common unique case: a key maps to the row itself and
/// only grows a set when a second row shares the key. Rows are immutable instances, so the set
/// compares by reference and removal stays O(1) even for keys shared by every row (vendor=vmnet).
/// </summary>
internal sealed class MultiIndex<TKey>
    where TKey : notnull
{
    private readonly Dictionary<TKey, object> _entries;

    public MultiIndex(IEqualityComparer<TKey>? comparer = null) => _entries = new Dictionary<TKey, object>(comparer);

    public void Add(TKey key, OvsdbRow row)
    {
        if (!_entries.TryGetValue(key, out var existing))
        {
            _entries[key] = row;
        }
        else if (existing is HashSet<OvsdbRow> set)
        {
            set.Add(row);
        }
        else
        {
            _entries[key] = new HashSet<OvsdbRow>(ReferenceEqualityComparer.Instance) { (OvsdbRow)existing, row };
        }
    }

    public void Remove(TKey key, OvsdbRow row)
    {
        if (!_entries.TryGetValue(key, out var existing))
        {
            return;
        }

        if (existing is HashSet<OvsdbRow> set)
        {
            set.Remove(row);
            if (set.Count == 1)
            {
                _entries[key] = set.First();
            }
        }
        else if (ReferenceEquals(existing, row))
        {
            _entries.Remove(key);
        }
    }

    public IReadOnlyList<OvsdbRow> Find(TKey key) =>
        !_entries.TryGetValue(key, out var existing) ? []
        : existing is HashSet<OvsdbRow> set ? set.ToArray()
        : [(OvsdbRow)existing];

    public void Clear() => _entries.Clear();
}
