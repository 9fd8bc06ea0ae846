using System.Collections;

namespace VmNet.Ovsdb.Values;

/// <summary>
/// An OVSDB map. Keys and values are atoms; stored as two parallel arrays (most maps are small,
/// e.g. external_ids) so a cached row pays no dictionary overhead. Lookup is a linear scan.
/// </summary>
public sealed class OvsdbMap : IReadOnlyList<KeyValuePair<object, object>>, IEquatable<OvsdbMap>
{
    public static readonly OvsdbMap Empty = new([], []);

    private readonly object[] _keys;
    private readonly object[] _values;

    public OvsdbMap(object[] keys, object[] values)
    {
        if (keys.Length != values.Length)
        {
            throw new ArgumentException($"map has {keys.Length} keys but {values.Length} values", nameof(values));
        }

        _keys = keys;
        _values = values;
    }

    public int Count => _keys.Length;

    public KeyValuePair<object, object> this[int index] => new(_keys[index], _values[index]);

    public static OvsdbMap Of<TKey, TValue>(IEnumerable<KeyValuePair<TKey, TValue>> pairs)
        where TKey : notnull
        where TValue : notnull
    {
        var list = pairs.ToList();
        if (list.Count == 0)
        {
            return Empty;
        }

        var keys = new object[list.Count];
        var values = new object[list.Count];
        for (var i = 0; i < list.Count; i++)
        {
            keys[i] = list[i].Key;
            values[i] = list[i].Value;
        }

        return new OvsdbMap(keys, values);
    }

    public bool TryGetValue(object key, out object value)
    {
        var i = Array.IndexOf(_keys, key);
        value = i >= 0 ? _values[i] : null!;
        return i >= 0;
    }

    public IEnumerable<object> Keys => _keys;

    /// <summary>Replaces atoms by shared equal instances; only for maps not yet visible to readers or equal-swaps.</summary>
    internal void InternAtoms(Func<object, object> internKey, Func<object, object> internValue)
    {
        for (var i = 0; i < _keys.Length; i++)
        {
            _keys[i] = internKey(_keys[i]);
            _values[i] = internValue(_values[i]);
        }
    }

    public IEnumerator<KeyValuePair<object, object>> GetEnumerator()
    {
        for (var i = 0; i < _keys.Length; i++)
        {
            yield return new KeyValuePair<object, object>(_keys[i], _values[i]);
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public bool Equals(OvsdbMap? other)
    {
        if (other is null || other._keys.Length != _keys.Length)
        {
            return false;
        }

        for (var i = 0; i < _keys.Length; i++)
        {
            if (!other.TryGetValue(_keys[i], out var v) || !Equals(v, _values[i]))
            {
                return false;
            }
        }

        return true;
    }

    public override bool Equals(object? obj) => obj is OvsdbMap m && Equals(m);

    public override int GetHashCode()
    {
        var hash = 0;
        for (var i = 0; i < _keys.Length; i++)
        {
            hash ^= HashCode.Combine(_keys[i], _values[i]);
        }

        return hash;
    }

    public override string ToString() => "{" + string.Join(", ", this.Select(p => $"{p.Key}={p.Value}")) + "}";
}
