using VmNet.Ovsdb.Schema;
using VmNet.Ovsdb.Values;

namespace VmNet.Ovsdb.Cache;

/// <summary>The cached rows of one table with its name and external_ids indexes. Not thread-safe: <see cref="OvsdbCache"/> locks.</summary>
internal sealed class TableCache
{
    private readonly MultiIndex<string> _byName = new(StringComparer.Ordinal);
    private readonly MultiIndex<(string Key, string Value)> _byExternalId = new();
    private readonly StringPool _strings;

    public TableCache(TableSchema schema, StringPool strings)
    {
        Schema = schema;
        _strings = strings;
    }

    public TableSchema Schema { get; }

    public Dictionary<Guid, OvsdbRow> Rows { get; } = [];

    public OvsdbRow? Get(Guid uuid) => Rows.GetValueOrDefault(uuid);

    /// <summary>Stores a row (replacing any with the same uuid) and returns the one it replaced.</summary>
    public OvsdbRow? Put(Guid uuid, object?[] values)
    {
        InternStrings(values);
        var row = new OvsdbRow(uuid, Schema, values);
        var old = Remove(uuid);
        Rows[uuid] = row;
        if (row.Name is { } name)
        {
            _byName.Add(name, row);
        }

        foreach (var (key, value) in ExternalIds(row))
        {
            _byExternalId.Add((key, value), row);
        }

        return old;
    }

    public OvsdbRow? Remove(Guid uuid)
    {
        if (!Rows.Remove(uuid, out var old))
        {
            return null;
        }

        if (old.Name is { } name)
        {
            _byName.Remove(name, old);
        }

        foreach (var (key, value) in ExternalIds(old))
        {
            _byExternalId.Remove((key, value), old);
        }

        return old;
    }

    public IReadOnlyList<OvsdbRow> FindByName(string name) => _byName.Find(name);

    public IReadOnlyList<OvsdbRow> FindByExternalId(string key, string value) => _byExternalId.Find((key, value));

    private IEnumerable<(string Key, string Value)> ExternalIds(OvsdbRow row)
    {
        if (Schema.ExternalIdsColumn is not { } column || row.Get(column.Ordinal) is not OvsdbMap map)
        {
            yield break;
        }

        foreach (var (key, value) in map)
        {
            if (key is string k && value is string v)
            {
                yield return (k, v);
            }
        }
    }

    // Map keys repeat across rows (external_ids keys), short map values often do (vendor, kind), and
    // enum scalars always do; unique names are left alone so the pool stays small.
    private void InternStrings(object?[] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            switch (values[i])
            {
                case OvsdbMap { Count: > 0 } map:
                    map.InternAtoms(_strings.Intern, atom => atom is string { Length: <= 16 } ? _strings.Intern(atom) : atom);
                    break;
                case string s when Schema.Columns[i].Type.Key.Enum is not null:
                    values[i] = _strings.Intern(s);
                    break;
            }
        }
    }
}
