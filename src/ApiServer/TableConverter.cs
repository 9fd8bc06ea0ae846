using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace VmNet.ApiServer;

/// <summary>
/// meta.k8s.io/v1 Table output, which kubectl asks for (Accept: application/json;as=Table;...) to print
/// `get` results: NAME and AGE for everything, the usual pod columns, and a CRD's additionalPrinterColumns.
/// </summary>
internal static class TableConverter
{
    public static bool Wanted(HttpRequest request) =>
        request.Headers.Accept.ToString().Contains("as=Table", StringComparison.Ordinal);

    /// <summary>includeObject: None, Metadata (default) or Object.</summary>
    public static string IncludeObject(HttpRequest request) =>
        request.Query["includeObject"].ToString() is { Length: > 0 } v ? v : "Metadata";

    public static JsonObject ToTable(ResourceType type, string version, IReadOnlyList<StoredObject> items, ListPage page, string includeObject, DateTimeOffset now)
    {
        var meta = new JsonObject { ["resourceVersion"] = ObjectMeta.RvString(page.ResourceVersion) };
        if (page.Continue is not null)
        {
            meta["continue"] = page.Continue;
        }

        if (page.RemainingItemCount is { } remaining)
        {
            meta["remainingItemCount"] = remaining;
        }

        var columns = BuiltInColumns.For(type);
        var rows = new JsonArray();
        foreach (var item in items)
        {
            rows.Add(Row(type, version, columns, item, includeObject, now));
        }

        return new JsonObject
        {
            ["kind"] = "Table",
            ["apiVersion"] = "meta.k8s.io/v1",
            ["metadata"] = meta,
            ["columnDefinitions"] = new JsonArray(columns.Select(c => (JsonNode?)new JsonObject
            {
                ["name"] = c.Name,
                ["type"] = c.Type,
                ["format"] = c.Format,
                ["description"] = c.Description,
                ["priority"] = c.Priority,
            }).ToArray()),
            ["rows"] = rows,
        };
    }

    /// <summary>A watch event's object as a one-row Table (what kubectl get -w expects).</summary>
    public static byte[] ToWatchTable(ResourceType type, string version, byte[] json, string includeObject, DateTimeOffset now)
    {
        var node = JsonNode.Parse(json)!.AsObject();
        var columns = BuiltInColumns.For(type);
        var table = new JsonObject
        {
            ["kind"] = "Table",
            ["apiVersion"] = "meta.k8s.io/v1",
            ["metadata"] = new JsonObject { ["resourceVersion"] = node["metadata"]?["resourceVersion"]?.DeepClone() },
            ["columnDefinitions"] = new JsonArray(),
            ["rows"] = new JsonArray(RowFromNode(type, version, columns, node, includeObject, now)),
        };
        return JsonSerializer.SerializeToUtf8Bytes(table, JsonNodeContext.Default.JsonObject);
    }

    private static JsonObject Row(ResourceType type, string version, List<PrinterColumn> columns, StoredObject item, string includeObject, DateTimeOffset now) =>
        RowFromNode(type, version, columns, item.ToNode(), includeObject, now);

    private static JsonObject RowFromNode(ResourceType type, string version, List<PrinterColumn> columns, JsonObject node, string includeObject, DateTimeOffset now)
    {
        node["apiVersion"] = type.ApiVersionFor(version);
        var cells = new JsonArray();
        foreach (var column in columns)
        {
            cells.Add(Cell(type, column, node, now));
        }

        var row = new JsonObject { ["cells"] = cells };
        switch (includeObject)
        {
            case "Object":
                row["object"] = node;
                break;
            case "None":
                break;
            default:
                row["object"] = new JsonObject
                {
                    ["kind"] = "PartialObjectMetadata",
                    ["apiVersion"] = "meta.k8s.io/v1",
                    ["metadata"] = node["metadata"]?.DeepClone(),
                };
                break;
        }

        return row;
    }

    private static JsonNode? Cell(ResourceType type, PrinterColumn column, JsonObject node, DateTimeOffset now)
    {
        if (column.JsonPath.Length == 0)
        {
            return BuiltInColumns.Computed(type, column.Name, node);
        }

        var value = Resolve(node, column.JsonPath);
        if (value is null)
        {
            return column.Type == "date" ? "<unknown>" : null;
        }

        if (column.Type == "date" && value is JsonValue v && v.TryGetValue<string>(out var text)
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
        {
            return HumanDuration(now - time);
        }

        return value.DeepClone();
    }

    /// <summary>Follows a simple JSONPath like .spec.cidrBlock or .status.conditions[0].type.</summary>
    internal static JsonNode? Resolve(JsonNode node, string path)
    {
        JsonNode? current = node;
        foreach (var raw in path.TrimStart('.').Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            var segment = raw;
            int? index = null;
            var bracket = raw.IndexOf('[', StringComparison.Ordinal);
            if (bracket > 0 && raw.EndsWith(']') && int.TryParse(raw[(bracket + 1)..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var i))
            {
                segment = raw[..bracket];
                index = i;
            }

            current = current is JsonObject o ? o[segment] : null;
            if (index is { } idx)
            {
                current = current is JsonArray a && idx < a.Count ? a[idx] : null;
            }

            if (current is null)
            {
                return null;
            }
        }

        return current;
    }

    /// <summary>Age as kubectl prints it: 45s, 3m20s, 5h, 2d3h, 400d.</summary>
    public static string HumanDuration(TimeSpan d)
    {
        if (d < TimeSpan.Zero)
        {
            return "0s";
        }

        var seconds = (long)d.TotalSeconds;
        return seconds switch
        {
            < 120 => $"{seconds}s",
            < 600 => seconds % 60 == 0 ? $"{seconds / 60}m" : $"{seconds / 60}m{seconds % 60}s",
            < 3 * 3600 => $"{seconds / 60}m",
            < 8 * 3600 => (seconds / 60) % 60 == 0 ? $"{seconds / 3600}h" : $"{seconds / 3600}h{(seconds / 60) % 60}m",
            < 48 * 3600 => $"{seconds / 3600}h",
            < 8 * 86400 => (seconds / 3600) % 24 == 0 ? $"{seconds / 86400}d" : $"{seconds / 86400}d{(seconds / 3600) % 24}h",
            _ => $"{seconds / 86400}d",
        };
    }
}
