namespace VmNet.Controller.Runtime.Informers;

/// <summary>
/// The informer's thread-safe cache (client-go's ThreadSafeStore with Indexers): objects by key, plus
/// named indices that map an index value (a namespace, a node, an owner uid, ...) to the keys of the
/// objects that carry it. Readers get snapshots; objects are shared and must be treated as read-only.
/// </summary>
public sealed class Indexer<T>
    where T : class
{
    private readonly Dictionary<string, T> _items = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Func<T, IEnumerable<string>>> _indexers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<string, HashSet<string>>> _indices = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public Indexer(Func<T, string> keyFunc) => KeyFunc = keyFunc ?? throw new ArgumentNullException(nameof(keyFunc));

    public Func<T, string> KeyFunc { get; }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _items.Count;
            }
        }
    }

    /// <summary>Adds an index; existing objects are indexed at once.</summary>
    public void AddIndexer(string name, Func<T, IEnumerable<string>> indexFunc)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(indexFunc);
        lock (_gate)
        {
            if (!_indexers.TryAdd(name, indexFunc))
            {
                throw new ArgumentException($"index '{name}' already exists", nameof(name));
            }

            var index = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
            _indices[name] = index;
            foreach (var (key, obj) in _items)
            {
                AddToIndex(index, indexFunc(obj), key);
            }
        }
    }

    public bool HasIndex(string name)
    {
        lock (_gate)
        {
            return _indexers.ContainsKey(name);
        }
    }

    public T? Get(string key)
    {
        lock (_gate)
        {
            return _items.GetValueOrDefault(key);
        }
    }

    public T? Get(string? @namespace, string name) => Get(ObjectKeys.For(@namespace, name));

    public IReadOnlyList<T> List()
    {
        lock (_gate)
        {
            return [.. _items.Values];
        }
    }

    public IReadOnlyList<string> ListKeys()
    {
        lock (_gate)
        {
            return [.. _items.Keys];
        }
    }

    /// <summary>Objects whose index <paramref name="indexName"/> contains <paramref name="value"/>.</summary>
    public IReadOnlyList<T> ByIndex(string indexName, string value)
    {
        lock (_gate)
        {
            return [.. KeysLocked(indexName, value).Select(k => _items[k])];
        }
    }

    public IReadOnlyList<string> IndexKeys(string indexName, string value)
    {
        lock (_gate)
        {
            return [.. KeysLocked(indexName, value)];
        }
    }

    /// <summary>The values present in index <paramref name="indexName"/>.</summary>
    public IReadOnlyList<string> ListIndexValues(string indexName)
    {
        lock (_gate)
        {
            return [.. IndexLocked(indexName).Keys];
        }
    }

    /// <summary>Stores <paramref name="obj"/> under its key and returns what it replaced.</summary>
    internal T? Upsert(T obj)
    {
        var key = KeyFunc(obj);
        lock (_gate)
        {
            var old = _items.GetValueOrDefault(key);
            _items[key] = obj;
            Reindex(key, old, obj);
            return old;
        }
    }

    /// <summary>Removes the object under <paramref name="key"/> and returns it.</summary>
    internal T? Remove(string key)
    {
        lock (_gate)
        {
            if (!_items.Remove(key, out var old))
            {
                return null;
            }

            Reindex(key, old, null);
            return old;
        }
    }

    private void Reindex(string key, T? old, T? current)
    {
        foreach (var (name, indexFunc) in _indexers)
        {
            var index = _indices[name];
            var oldValues = old is null ? [] : indexFunc(old) as IReadOnlyCollection<string> ?? [.. indexFunc(old)];
            var newValues = current is null ? [] : indexFunc(current) as IReadOnlyCollection<string> ?? [.. indexFunc(current)];

            // Most updates leave namespace, node and owners alone: nothing to move then.
            if (oldValues.Count == newValues.Count && oldValues.SequenceEqual(newValues, StringComparer.Ordinal))
            {
                continue;
            }

            foreach (var value in oldValues)
            {
                if (index.TryGetValue(value, out var keys) && keys.Remove(key) && keys.Count == 0)
                {
                    index.Remove(value);
                }
            }

            AddToIndex(index, newValues, key);
        }
    }

    private static void AddToIndex(Dictionary<string, HashSet<string>> index, IEnumerable<string> values, string key)
    {
        foreach (var value in values)
        {
            if (!index.TryGetValue(value, out var keys))
            {
                keys = new HashSet<string>(StringComparer.Ordinal);
                index[value] = keys;
            }

            keys.Add(key);
        }
    }

    private IEnumerable<string> KeysLocked(string indexName, string value) =>
        IndexLocked(indexName).TryGetValue(value, out var keys) ? keys : [];

    private Dictionary<string, HashSet<string>> IndexLocked(string indexName) =>
        _indices.TryGetValue(indexName, out var index)
            ? index
            : throw new KeyNotFoundException($"index '{indexName}' does not exist; add it with AddIndexer before the informer starts");
}
