using System.Text.Json;
using System.Text.Json.Nodes;

namespace VmNet.ApiServer;

/// <summary>
/// Applies a CRD's structural OpenAPI v3 schema the way the real server does on every write: fields the schema
/// does not declare are pruned (unless x-kubernetes-preserve-unknown-fields), then `default` values fill
/// missing properties.
/// </summary>
internal static class StructuralSchema
{
    public static void Apply(JsonObject obj, JsonElement schema)
    {
        Prune(obj, schema, isRoot: true);
        Default(obj, schema);
    }

    private static void Prune(JsonNode? node, JsonElement schema, bool isRoot)
    {
        switch (node)
        {
            case JsonObject obj:
                var preserve = Flag(schema, "x-kubernetes-preserve-unknown-fields");
                var embedded = isRoot || Flag(schema, "x-kubernetes-embedded-resource");
                var hasProperties = schema.TryGetProperty("properties", out var properties);
                var hasAdditional = schema.TryGetProperty("additionalProperties", out var additional) && additional.ValueKind == JsonValueKind.Object;
                foreach (var (key, value) in obj.ToList())
                {
                    if (embedded && key is "apiVersion" or "kind" or "metadata")
                    {
                        continue;
                    }

                    if (hasProperties && properties.TryGetProperty(key, out var propertySchema))
                    {
                        Prune(value, propertySchema, isRoot: false);
                    }
                    else if (hasAdditional)
                    {
                        Prune(value, additional, isRoot: false);
                    }
                    else if (!preserve)
                    {
                        obj.Remove(key);
                    }
                }

                break;
            case JsonArray array when schema.TryGetProperty("items", out var items) && items.ValueKind == JsonValueKind.Object:
                foreach (var item in array)
                {
                    Prune(item, items, isRoot: false);
                }

                break;
        }
    }

    private static void Default(JsonNode? node, JsonElement schema)
    {
        switch (node)
        {
            case JsonObject obj:
                if (schema.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object)
                {
                    foreach (var property in properties.EnumerateObject())
                    {
                        if (!obj.ContainsKey(property.Name) && property.Value.TryGetProperty("default", out var value))
                        {
                            obj[property.Name] = JsonNode.Parse(value.GetRawText());
                        }

                        if (obj[property.Name] is { } child)
                        {
                            Default(child, property.Value);
                        }
                    }
                }
                else if (schema.TryGetProperty("additionalProperties", out var additional) && additional.ValueKind == JsonValueKind.Object)
                {
                    foreach (var (_, value) in obj.ToList())
                    {
                        Default(value, additional);
                    }
                }

                break;
            case JsonArray array when schema.TryGetProperty("items", out var items) && items.ValueKind == JsonValueKind.Object:
                foreach (var item in array)
                {
                    Default(item, items);
                }

                break;
        }
    }

    private static bool Flag(JsonElement schema, string name) =>
        schema.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.True;
}
