using System.Text.Json;
using VmNet.Ovsdb.Errors;
using VmNet.Ovsdb.Operations;
using VmNet.Ovsdb.Schema;
using VmNet.Ovsdb.Values;

namespace VmNet.Ovsdb.Session;

/// <summary>
/// Reads a transact result array. Operation failures arrive inside it (top-level error is null):
/// the failed entry carries <c>error</c>/<c>details</c>, the entries after it are null, and an extra
/// trailing entry reports a commit-time failure such as referential integrity.
/// </summary>
internal static class TransactionResultParser
{
    public static TransactionResult Parse(JsonElement result, IReadOnlyList<OvsdbOperation> operations, DatabaseSchema? schema)
    {
        if (result.ValueKind != JsonValueKind.Array)
        {
            throw new OvsdbProtocolException($"transact result is not an array: {OvsdbJson.Truncate(result.GetRawText())}");
        }

        var results = new List<OperationResult>(operations.Count);
        var index = 0;
        foreach (var entry in result.EnumerateArray())
        {
            if (entry.ValueKind == JsonValueKind.Object && entry.TryGetProperty("error", out var error) && error.ValueKind != JsonValueKind.Null)
            {
                var op = index < operations.Count ? operations[index] : null;
                var details = entry.TryGetProperty("details", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null;
                throw OvsdbTransactionException.Create(index, op?.Op ?? "commit", op?.Table, error.ValueKind == JsonValueKind.String ? error.GetString()! : error.GetRawText(), details);
            }

            if (index < operations.Count)
            {
                results.Add(ParseEntry(entry, operations[index], index, schema));
            }

            index++;
        }

        if (results.Count != operations.Count)
        {
            throw new OvsdbProtocolException($"transact returned {results.Count} results for {operations.Count} operations");
        }

        return new TransactionResult(results);
    }

    private static OperationResult ParseEntry(JsonElement entry, OvsdbOperation operation, int index, DatabaseSchema? schema)
    {
        if (entry.ValueKind != JsonValueKind.Object)
        {
            throw new OvsdbProtocolException($"transact result {index} ({operation.Op}) is not an object: {OvsdbJson.Truncate(entry.GetRawText())}");
        }

        Guid? uuid = null;
        long? count = null;
        List<IReadOnlyDictionary<string, object?>>? rows = null;
        if (entry.TryGetProperty("uuid", out var uuidJson))
        {
            uuid = OvsdbJson.ReadAtom(uuidJson, new BaseType(AtomicType.Uuid)) is Guid g ? g : null;
        }

        if (entry.TryGetProperty("count", out var countJson))
        {
            count = countJson.ValueKind == JsonValueKind.Number
                ? countJson.GetInt64()
                : throw new OvsdbProtocolException($"transact result {index} count is not a number");
        }

        if (entry.TryGetProperty("rows", out var rowsJson))
        {
            if (rowsJson.ValueKind != JsonValueKind.Array)
            {
                throw new OvsdbProtocolException($"transact result {index} rows is not an array");
            }

            var table = operation.Table is null ? null : schema?.Tables.GetValueOrDefault(operation.Table);
            rows = [];
            foreach (var rowJson in rowsJson.EnumerateArray())
            {
                rows.Add(ParseRow(rowJson, table));
            }
        }

        return uuid is null && count is null && rows is null ? OperationResult.Empty : new OperationResult(uuid, count, rows);
    }

    private static Dictionary<string, object?> ParseRow(JsonElement json, TableSchema? table)
    {
        var row = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var column in json.EnumerateObject())
        {
            var schema = table?.FindColumn(column.Name);
            row[column.Name] = schema is null ? OvsdbJson.ReadValue(column.Value) : OvsdbJson.ReadColumn(column.Value, schema.Type);
        }

        return row;
    }
}
