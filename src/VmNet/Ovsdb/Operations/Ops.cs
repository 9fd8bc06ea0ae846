using VmNet.Ovsdb.Typed;
using VmNet.Ovsdb.Values;

namespace VmNet.Ovsdb.Operations;

/// <summary>
/// Small building blocks that return operations; callers concatenate several of them and commit
/// them as one atomic transaction (the libovsdb "ops" pattern).
/// </summary>
public static class Ops
{
    /// <summary>Inserts a typed row with our ownership in external_ids; <paramref name="uuidName"/> names it for later ops.</summary>
    public static InsertOperation InsertOwned<T>(T row, Ownership owner, string? uuidName = null)
        where T : IOvsdbTypedRow<T>
    {
        ArgumentNullException.ThrowIfNull(owner);
        var columns = row.ToColumns();
        var extra = columns.TryGetValue("external_ids", out var existing) && existing is OvsdbMap map
            ? map.ToDictionary(p => (string)p.Key, p => (string)p.Value, StringComparer.Ordinal)
            : null;
        columns["external_ids"] = owner.ToMap(extra);
        return new InsertOperation(T.TableName, columns, uuidName);
    }

    public static InsertOperation Insert<T>(T row, string? uuidName = null)
        where T : IOvsdbTypedRow<T> => new(T.TableName, row.ToColumns(), uuidName);

    /// <summary>Sets columns of one existing row (columns not listed keep their value).</summary>
    public static UpdateOperation Update(string table, Guid uuid, IReadOnlyDictionary<string, object?> columns) =>
        new(table, [Condition.Uuid(uuid)], columns);

    /// <summary>Sets the named columns of an existing row to the typed row's values (empty values clear them).</summary>
    public static UpdateOperation Update<T>(T row, params string[] columns)
        where T : IOvsdbTypedRow<T>
    {
        if (row.Uuid == Guid.Empty)
        {
            throw new ArgumentException($"{T.TableName} row has no Uuid; only existing rows can be updated", nameof(row));
        }

        var all = row.ToAllColumns();
        var selected = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var column in columns)
        {
            selected[column] = all.TryGetValue(column, out var value)
                ? value
                : throw new ArgumentException($"table {T.TableName} has no column '{column}'", nameof(columns));
        }

        return new UpdateOperation(T.TableName, [Condition.Uuid(row.Uuid)], selected);
    }

    public static DeleteOperation Delete(string table, Guid uuid) => new(table, [Condition.Uuid(uuid)]);

    /// <summary>Adds references (or any atoms) to a set column of an existing row.</summary>
    public static MutateOperation AddToSet(string table, Guid uuid, string column, params RowRef[] members) =>
        new(table, [Condition.Uuid(uuid)], [Mutation.Insert(column, OvsdbSet.From(members.Select(m => m.Atom)))]);

    public static MutateOperation RemoveFromSet(string table, Guid uuid, string column, params RowRef[] members) =>
        new(table, [Condition.Uuid(uuid)], [Mutation.Delete(column, OvsdbSet.From(members.Select(m => m.Atom)))]);

    /// <summary>Sets map keys (replacing their values) without touching other keys.</summary>
    public static MutateOperation SetMapKeys(string table, Guid uuid, string column, IReadOnlyDictionary<string, string> pairs) =>
        new(table, [Condition.Uuid(uuid)], [Mutation.Delete(column, OvsdbSet.From(pairs.Keys)), Mutation.Insert(column, OvsdbMap.Of(pairs))]);
}
