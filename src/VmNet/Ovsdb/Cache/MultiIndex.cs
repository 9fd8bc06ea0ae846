namespace VmNet.Ovsdb.Cache;

/// <summary>
/// A key to rows index that is cheap for the common unique case: a key maps to the row itself and
/// only grows a list when a second row shares the key.
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
        else if (existing is List<OvsdbRow> list)
        {
            list.Add(row);
        }
        else
        {
            _entries[key] = new List<OvsdbRow> { (OvsdbRow)existing, row };
        }
    }

    public void Remove(TKey key, OvsdbRow row)
    {
        if (!_entries.TryGetValue(key, out var existing))
        {
            return;
        }

        if (existing is List<OvsdbRow> list)
        {
            list.RemoveAll(r => r.Uuid == row.Uuid);
            if (list.Count == 1)
            {
                _entries[key] = list[0];
            }
            else if (list.Count == 0)
            {
                _entries.Remove(key);
            }
        }
        else if (((OvsdbRow)existing).Uuid == row.Uuid)
        {
            _entries.Remove(key);
        }
    }

    public IReadOnlyList<OvsdbRow> Find(TKey key) =>
        !_entries.TryGetValue(key, out var existing) ? []
        : existing is List<OvsdbRow> list ? list.ToArray()
        : [(OvsdbRow)existing];

    public void Clear() => _entries.Clear();
}
