using System.Text.Json;
using VmNet.Ovsdb.Errors;
using VmNet.Ovsdb.Schema;
using VmNet.Ovsdb.Values;

namespace VmNet.Ovsdb.Session;

/// <summary>Parses <c>table-updates2</c> objects (RFC 7047 + ovsdb-server monitor_cond extension).</summary>
public static class TableUpdatesParser
{
    public static IReadOnlyList<TableUpdate> Parse(JsonElement json, DatabaseSchema schema)
    {
        if (json.ValueKind != JsonValueKind.Object)
        {
            throw new OvsdbProtocolException($"table-updates2 is not an object but {json.ValueKind}");
        }

        var result = new List<TableUpdate>();
        foreach (var tableJson in json.EnumerateObject())
        {
            if (!schema.Tables.TryGetValue(tableJson.Name, out var table))
            {
                throw new OvsdbProtocolException($"update for table '{tableJson.Name}' that schema {schema.Name} does not have");
            }

            if (tableJson.Value.ValueKind != JsonValueKind.Object)
            {
                throw new OvsdbProtocolException($"update for table {table.Name} is not an object");
            }

            var rows = new List<RowUpdate>();
            foreach (var rowJson in tableJson.Value.EnumerateObject())
            {
                rows.Add(ParseRow(table, rowJson.Name, rowJson.Value));
            }

            result.Add(new TableUpdate(table, rows));
        }

        return result;
    }

    private static RowUpdate ParseRow(TableSchema table, string uuidText, JsonElement json)
    {
        if (!Guid.TryParse(uuidText, out var uuid))
        {
            throw new OvsdbProtocolException($"row key '{uuidText}' in table {table.Name} is not a uuid");
        }

        if (json.ValueKind != JsonValueKind.Object)
        {
            throw new OvsdbProtocolException($"row update {table.Name}/{uuid} is not an object");
        }

        foreach (var kind in json.EnumerateObject())
        {
            switch (kind.Name)
            {
                case "initial":
                    return new RowUpdate(uuid, RowUpdateKind.Initial, ParseFullRow(table, uuid, kind.Value));
                case "insert":
                    return new RowUpdate(uuid, RowUpdateKind.Insert, ParseFullRow(table, uuid, kind.Value));
                case "modify":
                    return new RowUpdate(uuid, RowUpdateKind.Modify, ParseDiff(table, uuid, kind.Value));
                case "delete":
                    return new RowUpdate(uuid, RowUpdateKind.Delete, null);
            }
        }

        throw new OvsdbProtocolException($"row update {table.Name}/{uuid} has none of initial/insert/modify/delete");
    }

    private static object?[] ParseFullRow(TableSchema table, Guid uuid, JsonElement json)
    {
        var values = new object?[table.Columns.Count];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = OvsdbJson.DefaultFor(table.Columns[i].Type);
        }

        ReadColumns(table, uuid, json, values);
        return values;
    }

    private static object?[] ParseDiff(TableSchema table, Guid uuid, JsonElement json)
    {
        var values = new object?[table.Columns.Count];
        Array.Fill(values, RowUpdate.NotPresent);
        ReadColumns(table, uuid, json, values, diff: true);
        return values;
    }

    private static void ReadColumns(TableSchema table, Guid uuid, JsonElement json, object?[] values, bool diff = false)
    {
        if (json.ValueKind != JsonValueKind.Object)
        {
            throw new OvsdbProtocolException($"row {table.Name}/{uuid} is not an object");
        }

        foreach (var column in json.EnumerateObject())
        {
            var schema = table.FindColumn(column.Name);
            if (schema is null)
            {
                continue; // _uuid/_version or a column newer than our schema copy
            }

            try
            {
                // A modify of a set column (max > 1) carries the elements to toggle, so read it as a
                // set; ovsdb-server sends scalars and optionals (max 1) as their new value.
                values[schema.Ordinal] = diff && schema.Type.IsSet
                    ? OvsdbJson.ReadColumn(column.Value, schema.Type with { Min = 0, Max = ColumnType.Unlimited })
                    : OvsdbJson.ReadColumn(column.Value, schema.Type);
            }
            catch (OvsdbProtocolException ex)
            {
                throw new OvsdbProtocolException($"column {table.Name}.{column.Name} of row {uuid}: {ex.Message}", ex);
            }
        }
    }
}
