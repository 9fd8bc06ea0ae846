using System.Collections;

namespace VmNet.Ovsdb.Values;

/// <summary>
/// An OVSDB set of atoms (string, long, double, bool, Guid, NamedUuid). Stored as one array to keep
/// cached rows compact; equality is by content, ignoring order.
/// </summary>
public sealed class OvsdbSet : IReadOnlyList<object>, IEquatable<OvsdbSet>
{
    public static readonly OvsdbSet Empty = new([]);

    private readonly object[] _items;

    public OvsdbSet(object[] items) => _items = items;

    public int Count => _items.Length;

    public object this[int index] => _items[index];

    public static OvsdbSet Of(params object[] items) => items.Length == 0 ? Empty : new OvsdbSet(items);

    /// <summary>A set of the given atoms (a distinct name so a string is never taken as a sequence of chars).</summary>
    public static OvsdbSet From<T>(IEnumerable<T> items)
        where T : notnull
    {
        var array = items.Select(static i => (object)i).ToArray();
        return array.Length == 0 ? Empty : new OvsdbSet(array);
    }

    public bool Contains(object atom) => Array.IndexOf(_items, atom) >= 0;

    public IEnumerator<object> GetEnumerator() => ((IEnumerable<object>)_items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _items.GetEnumerator();

    public bool Equals(OvsdbSet? other)
    {
        if (other is null || other._items.Length != _items.Length)
        {
            return false;
        }

        if (_items.Length <= 1)
        {
            return _items.Length == 0 || Equals(_items[0], other._items[0]);
        }

        var mine = new HashSet<object>(_items);
        return mine.SetEquals(other._items);
    }

    public override bool Equals(object? obj) => obj is OvsdbSet s && Equals(s);

    public override int GetHashCode()
    {
        var hash = 0;
        foreach (var item in _items)
        {
            hash ^= item.GetHashCode();
        }

        return hash;
    }

    public override string ToString() => "[" + string.Join(", ", _items) + "]";
}
