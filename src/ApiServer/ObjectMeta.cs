using System.Globalization;
using System.Text.Json.Nodes;

namespace VmNet.ApiServer;

/// <summary>Small accessors for metadata fields of JSON objects.</summary>
internal static class ObjectMeta
{
    public static JsonObject Metadata(this JsonObject obj)
    {
        if (obj["metadata"] is JsonObject meta)
        {
            return meta;
        }

        meta = [];
        obj["metadata"] = meta;
        return meta;
    }

    public static string? GetString(this JsonObject obj, string property) =>
        obj[property] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    public static string Timestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static string RvString(long rv) => rv.ToString(CultureInfo.InvariantCulture);

    public static List<string> Finalizers(this JsonObject meta) =>
        meta["finalizers"] is JsonArray arr ? arr.Select(f => (string?)f ?? string.Empty).ToList() : [];

    public static void SetFinalizers(this JsonObject meta, IReadOnlyCollection<string> finalizers)
    {
        if (finalizers.Count == 0)
        {
            meta.Remove("finalizers");
        }
        else
        {
            meta["finalizers"] = new JsonArray(finalizers.Select(f => (JsonNode?)JsonValue.Create(f)).ToArray());
        }
    }
}
