namespace VmNet.Ovsdb.Schema;

/// <summary>A table of the schema: its columns (by name and by ordinal) and its indexes.</summary>
public sealed class TableSchema
{
    private readonly Dictionary<string, ColumnSchema> _byName;

    public TableSchema(string name, IReadOnlyList<ColumnSchema> columns, bool isRoot, IReadOnlyList<IReadOnlyList<string>> indexes, long? maxRows)
    {
        Name = name;
        Columns = columns;
        IsRoot = isRoot;
        Indexes = indexes;
        MaxRows = maxRows;
        _byName = columns.ToDictionary(c => c.Name, StringComparer.Ordinal);
        NameColumn = _byName.GetValueOrDefault("name") is { Type.IsMap: false, Type.Max: 1, Type.Key.Type: AtomicType.String } n ? n : null;
        ExternalIdsColumn = _byName.GetValueOrDefault("external_ids") is { Type.IsMap: true } e ? e : null;
    }

    public string Name { get; }

    public IReadOnlyList<ColumnSchema> Columns { get; }

    public bool IsRoot { get; }

    public IReadOnlyList<IReadOnlyList<string>> Indexes { get; }

    public long? MaxRows { get; }

    /// <summary>The string column <c>name</c> (scalar or optional), when the table has one (indexed by the cache).</summary>
    public ColumnSchema? NameColumn { get; }

    /// <summary>The <c>external_ids</c> map column, when the table has one (indexed by the cache).</summary>
    public ColumnSchema? ExternalIdsColumn { get; }

    public ColumnSchema? FindColumn(string name) => _byName.GetValueOrDefault(name);

    public ColumnSchema GetColumn(string name) =>
        _byName.TryGetValue(name, out var column)
            ? column
            : throw new KeyNotFoundException($"table {Name} has no column '{name}'");

    public override string ToString() => Name;
}
