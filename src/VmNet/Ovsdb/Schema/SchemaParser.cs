using System.Text.Json;
using VmNet.Ovsdb.Errors;
using VmNet.Ovsdb.Values;

namespace VmNet.Ovsdb.Schema;

/// <summary>Parses a <c>get_schema</c> reply or an <c>.ovsschema</c> file (RFC 7047 section 3.2).</summary>
public static class SchemaParser
{
    public static DatabaseSchema Parse(JsonElement json)
    {
        if (json.ValueKind != JsonValueKind.Object)
        {
            throw new OvsdbProtocolException($"schema is not a JSON object but {json.ValueKind}");
        }

        var name = RequireString(json, "name", "schema");
        var version = json.TryGetProperty("version", out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";
        if (!json.TryGetProperty("tables", out var tablesJson) || tablesJson.ValueKind != JsonValueKind.Object)
        {
            throw new OvsdbProtocolException($"schema {name} has no 'tables' object");
        }

        var tables = new Dictionary<string, TableSchema>(StringComparer.Ordinal);
        foreach (var table in tablesJson.EnumerateObject())
        {
            tables[table.Name] = ParseTable(table.Name, table.Value);
        }

        return new DatabaseSchema(name, version, tables);
    }

    public static DatabaseSchema Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return Parse(document.RootElement);
    }

    private static TableSchema ParseTable(string name, JsonElement json)
    {
        if (!json.TryGetProperty("columns", out var columnsJson) || columnsJson.ValueKind != JsonValueKind.Object)
        {
            throw new OvsdbProtocolException($"table {name} has no 'columns' object");
        }

        var columns = new List<ColumnSchema>();
        foreach (var column in columnsJson.EnumerateObject())
        {
            var where = $"{name}.{column.Name}";
            if (!column.Value.TryGetProperty("type", out var typeJson))
            {
                throw new OvsdbProtocolException($"column {where} has no 'type'");
            }

            columns.Add(new ColumnSchema(column.Name, ParseColumnType(typeJson, where), columns.Count)
            {
                IsEphemeral = column.Value.TryGetProperty("ephemeral", out var e) && e.ValueKind == JsonValueKind.True,
                IsMutable = !(column.Value.TryGetProperty("mutable", out var m) && m.ValueKind == JsonValueKind.False),
            });
        }

        var isRoot = json.TryGetProperty("isRoot", out var r) && r.ValueKind == JsonValueKind.True;
        long? maxRows = json.TryGetProperty("maxRows", out var mr) && mr.ValueKind == JsonValueKind.Number ? mr.GetInt64() : null;
        var indexes = new List<IReadOnlyList<string>>();
        if (json.TryGetProperty("indexes", out var idx) && idx.ValueKind == JsonValueKind.Array)
        {
            foreach (var index in idx.EnumerateArray())
            {
                indexes.Add(index.EnumerateArray().Select(c => c.GetString()!).ToArray());
            }
        }

        return new TableSchema(name, columns, isRoot, indexes, maxRows);
    }

    private static ColumnType ParseColumnType(JsonElement json, string where)
    {
        if (json.ValueKind == JsonValueKind.String)
        {
            return new ColumnType(ParseBaseType(json, where), null, 1, 1);
        }

        if (json.ValueKind != JsonValueKind.Object || !json.TryGetProperty("key", out var key))
        {
            throw new OvsdbProtocolException($"column {where} has an invalid type {json.GetRawText()}");
        }

        var value = json.TryGetProperty("value", out var valueJson) ? ParseBaseType(valueJson, where) : null;
        var min = json.TryGetProperty("min", out var minJson) ? minJson.GetInt32() : 1;
        long max = 1;
        if (json.TryGetProperty("max", out var maxJson))
        {
            max = maxJson.ValueKind == JsonValueKind.String && maxJson.GetString() == "unlimited"
                ? ColumnType.Unlimited
                : maxJson.GetInt64();
        }

        return new ColumnType(ParseBaseType(key, where), value, min, max);
    }

    private static BaseType ParseBaseType(JsonElement json, string where)
    {
        if (json.ValueKind == JsonValueKind.String)
        {
            return new BaseType(ParseAtomicType(json.GetString()!, where));
        }

        var atomic = ParseAtomicType(RequireString(json, "type", where), where);
        var baseType = new BaseType(atomic);
        IReadOnlyList<object>? enumValues = null;
        if (json.TryGetProperty("enum", out var enumJson))
        {
            enumValues = OvsdbJson.ReadValue(enumJson) switch
            {
                OvsdbSet set => set.ToArray(),
                var atom => [atom],
            };
        }

        return baseType with
        {
            Enum = enumValues,
            RefTable = json.TryGetProperty("refTable", out var rt) ? rt.GetString() : null,
            IsStrongRef = !(json.TryGetProperty("refType", out var rtype) && rtype.GetString() == "weak"),
            MinInteger = OptionalInt64(json, "minInteger"),
            MaxInteger = OptionalInt64(json, "maxInteger"),
            MinLength = OptionalInt64(json, "minLength"),
            MaxLength = OptionalInt64(json, "maxLength"),
        };
    }

    private static AtomicType ParseAtomicType(string text, string where) => text switch
    {
        "integer" => AtomicType.Integer,
        "real" => AtomicType.Real,
        "boolean" => AtomicType.Boolean,
        "string" => AtomicType.String,
        "uuid" => AtomicType.Uuid,
        _ => throw new OvsdbProtocolException($"column {where} has unknown atomic type '{text}'"),
    };

    private static long? OptionalInt64(JsonElement json, string property) =>
        json.TryGetProperty(property, out var p) && p.ValueKind == JsonValueKind.Number ? p.GetInt64() : null;

    private static string RequireString(JsonElement json, string property, string where) =>
        json.TryGetProperty(property, out var p) && p.ValueKind == JsonValueKind.String
            ? p.GetString()!
            : throw new OvsdbProtocolException($"{where} has no string '{property}'");
}
