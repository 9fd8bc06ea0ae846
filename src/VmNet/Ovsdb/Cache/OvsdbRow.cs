using VmNet.Ovsdb.Schema;
using VmNet.Ovsdb.Values;

namespace VmNet.Ovsdb.Cache;

/// <summary>
/// An immutable cached row: one slot per column ordinal holding the normalised value (atom,
/// null for an empty optional, <see cref="OvsdbSet"/>, <see cref="OvsdbMap"/>). A change makes a
/// new row, so change events can hand out both the old and the new one.
/// </summary>
public sealed class OvsdbRow
{
    private readonly object?[] _values;

    internal OvsdbRow(Guid uuid, TableSchema table, object?[] values)
    {
        Uuid = uuid;
        Table = table;
        _values = values;
    }

    public Guid Uuid { get; }

    public TableSchema Table { get; }

    internal object?[] Values => _values;

    public object? this[string column] => _values[Table.GetColumn(column).Ordinal];

    public object? Get(int ordinal) => _values[ordinal];

    public string GetString(string column) => (string)Scalar(column);

    public long GetInteger(string column) => (long)Scalar(column);

    public double GetReal(string column) => (double)Scalar(column);

    public bool GetBoolean(string column) => (bool)Scalar(column);

    public Guid GetUuid(string column) => (Guid)Scalar(column);

    public string? GetOptionalString(string column) => (string?)this[column];

    public long? GetOptionalInteger(string column) => (long?)this[column];

    public double? GetOptionalReal(string column) => (double?)this[column];

    public bool? GetOptionalBoolean(string column) => (bool?)this[column];

    public Guid? GetOptionalUuid(string column) => (Guid?)this[column];

    public IReadOnlyList<T> GetSet<T>(string column)
        where T : notnull
    {
        var set = (OvsdbSet)this[column]!;
        if (set.Count == 0)
        {
            return [];
        }

        var items = new T[set.Count];
        for (var i = 0; i < items.Length; i++)
        {
            items[i] = (T)set[i];
        }

        return items;
    }

    public IReadOnlyDictionary<TKey, TValue> GetMap<TKey, TValue>(string column)
        where TKey : notnull
    {
        var map = (OvsdbMap)this[column]!;
        var result = new Dictionary<TKey, TValue>(map.Count);
        foreach (var (key, value) in map)
        {
            result[(TKey)key] = (TValue)value;
        }

        return result;
    }

    /// <summary>The value of <c>external_ids:key</c>, or null.</summary>
    public string? ExternalId(string key) =>
        Table.ExternalIdsColumn is { } column && ((OvsdbMap)_values[column.Ordinal]!).TryGetValue(key, out var value)
            ? value as string
            : null;

    /// <summary>The row's <c>name</c> column when the table has one.</summary>
    public string? Name => Table.NameColumn is { } column ? _values[column.Ordinal] as string : null;

    public override string ToString() => $"{Table.Name}/{Uuid}{(Name is { } n ? " " + n : "")}";

    private object Scalar(string column) =>
        this[column] ?? throw new InvalidOperationException($"{Table.Name}.{column} of {Uuid} is empty");
}
