using System.Text.Json;
using System.Text.Json.Nodes;

namespace VmNet.ApiServer;

/// <summary>
/// Checks a custom object against its CRD schema's type, enum and required constraints, reporting field
/// errors in the real server's wording ("spec.size: Invalid value: \"string\": spec.size in body must be of
/// type integer: \"string\"").
/// </summary>
internal static class SchemaValidator
{
    public static List<(string Field, string Reason, string Detail)> Validate(JsonObject obj, JsonElement schema)
    {
        var errors = new List<(string, string, string)>();
        if (schema.TryGetProperty("properties", out var properties))
        {
            foreach (var property in properties.EnumerateObject().Where(p => p.Name is not ("apiVersion" or "kind" or "metadata")))
            {
                if (obj[property.Name] is { } value)
                {
                    Check(value, property.Value, property.Name, errors);
                }
            }
        }

        RequireProperties(obj, schema, string.Empty, errors);
        return errors;
    }

    private static void Check(JsonNode value, JsonElement schema, string path, List<(string, string, string)> errors)
    {
        var kind = value.GetValueKind();
        if (schema.TryGetProperty("type", out var typeElement) && typeElement.GetString() is { } type && !Matches(type, kind, value)
            && !(kind == JsonValueKind.Null && schema.TryGetProperty("nullable", out var nullable) && nullable.ValueKind == JsonValueKind.True))
        {
            var actual = TypeName(kind, value);
            errors.Add((path, "FieldValueTypeInvalid", $"Invalid value: \"{actual}\": {path} in body must be of type {type}: \"{actual}\""));
            return;
        }

        if (schema.TryGetProperty("enum", out var allowed) && allowed.ValueKind == JsonValueKind.Array
            && !allowed.EnumerateArray().Any(a => JsonNode.DeepEquals(JsonNode.Parse(a.GetRawText()), value)))
        {
            var supported = string.Join(", ", allowed.EnumerateArray().Select(a => a.GetRawText()));
            errors.Add((path, "FieldValueNotSupported", $"Unsupported value: {value.ToJsonString()}: supported values: {supported}"));
            return;
        }

        switch (value)
        {
            case JsonObject obj:
                if (schema.TryGetProperty("properties", out var properties))
                {
                    foreach (var property in properties.EnumerateObject())
                    {
                        if (obj[property.Name] is { } child)
                        {
                            Check(child, property.Value, $"{path}.{property.Name}", errors);
                        }
                    }
                }
                else if (schema.TryGetProperty("additionalProperties", out var additional) && additional.ValueKind == JsonValueKind.Object)
                {
                    foreach (var (key, child) in obj)
                    {
                        if (child is not null)
                        {
                            Check(child, additional, $"{path}.{key}", errors);
                        }
                    }
                }

                RequireProperties(obj, schema, path + ".", errors);
                break;
            case JsonArray array when schema.TryGetProperty("items", out var items) && items.ValueKind == JsonValueKind.Object:
                for (var i = 0; i < array.Count; i++)
                {
                    if (array[i] is { } item)
                    {
                        Check(item, items, $"{path}[{i}]", errors);
                    }
                }

                break;
        }
    }

    private static void RequireProperties(JsonObject obj, JsonElement schema, string prefix, List<(string, string, string)> errors)
    {
        if (schema.TryGetProperty("required", out var required) && required.ValueKind == JsonValueKind.Array)
        {
            foreach (var name in required.EnumerateArray().Select(r => r.GetString() ?? string.Empty))
            {
                if (!obj.ContainsKey(name))
                {
                    errors.Add((prefix + name, "FieldValueRequired", "Required value"));
                }
            }
        }
    }

    private static bool Matches(string type, JsonValueKind kind, JsonNode value) => type switch
    {
        "object" => kind == JsonValueKind.Object,
        "array" => kind == JsonValueKind.Array,
        "string" => kind == JsonValueKind.String,
        "boolean" => kind is JsonValueKind.True or JsonValueKind.False,
        "integer" => kind == JsonValueKind.Number && IsIntegral(value),
        "number" => kind == JsonValueKind.Number,
        _ => true,
    };

    // Works for parsed and constructed values alike (a JsonValue<int> does not convert to long).
    private static bool IsIntegral(JsonNode value) => value.ToJsonString().IndexOfAny(['.', 'e', 'E']) < 0;

    private static string TypeName(JsonValueKind kind, JsonNode value) => kind switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Number => IsIntegral(value) ? "integer" : "number",
        _ => "null",
    };
}
