namespace VmNet.Ovsdb.Schema;

/// <summary>A database schema as returned by <c>get_schema</c>.</summary>
public sealed class DatabaseSchema
{
    public DatabaseSchema(string name, string version, IReadOnlyDictionary<string, TableSchema> tables)
    {
        Name = name;
        Version = version;
        Tables = tables;
    }

    public string Name { get; }

    public string Version { get; }

    public IReadOnlyDictionary<string, TableSchema> Tables { get; }

    public TableSchema GetTable(string name) =>
        Tables.TryGetValue(name, out var table)
            ? table
            : throw new KeyNotFoundException($"database {Name} has no table '{name}'");
}
