using System.Text.Json.Nodes;

namespace VmNet.ApiServer;

/// <summary>Reads a CustomResourceDefinition object into the resources it defines, with the real validation messages.</summary>
internal static class CustomResourceDefinitions
{
    public static IReadOnlyList<ResourceType> ToResourceTypes(JsonObject crd, ResourceType crdType)
    {
        var name = crd.Metadata().GetString("name");
        var spec = crd["spec"] as JsonObject ?? throw Invalid(crdType, name, "spec", "FieldValueRequired", "Required value");
        var group = spec.GetString("group");
        if (string.IsNullOrEmpty(group))
        {
            throw Invalid(crdType, name, "spec.group", "FieldValueRequired", "Required value");
        }

        var names = spec["names"] as JsonObject ?? throw Invalid(crdType, name, "spec.names", "FieldValueRequired", "Required value");
        var plural = names.GetString("plural");
        var kind = names.GetString("kind");
        if (string.IsNullOrEmpty(plural))
        {
            throw Invalid(crdType, name, "spec.names.plural", "FieldValueRequired", "Required value");
        }

        if (string.IsNullOrEmpty(kind))
        {
            throw Invalid(crdType, name, "spec.names.kind", "FieldValueRequired", "Required value");
        }

        if (name != $"{plural}.{group}")
        {
            throw Invalid(crdType, name, "metadata.name", "FieldValueInvalid", $"Invalid value: \"{name}\": must be spec.names.plural+\".\"+spec.group");
        }

        var scope = spec.GetString("scope");
        if (scope is not ("Namespaced" or "Cluster"))
        {
            throw Invalid(crdType, name, "spec.scope", "FieldValueNotSupported", $"Unsupported value: \"{scope}\": supported values: \"Cluster\", \"Namespaced\"");
        }

        var versions = (spec["versions"] as JsonArray)?.OfType<JsonObject>().ToList() ?? [];
        if (versions.Count == 0)
        {
            throw Invalid(crdType, name, "spec.versions", "FieldValueInvalid", "Invalid value: null: must have exactly one version marked as storage version");
        }

        var storage = versions.Where(v => v["storage"] is JsonValue s && (bool)s).ToList();
        if (storage.Count != 1)
        {
            throw Invalid(crdType, name, "spec.versions", "FieldValueInvalid", "Invalid value: must have exactly one version marked as storage version");
        }

        var storageVersion = storage[0];
        var served = versions.Where(v => v["served"] is JsonValue s && (bool)s).Select(v => v.GetString("name") ?? string.Empty).ToList();
        if (served.Count == 0)
        {
            return [];
        }

        // The storage version goes first: it is what objects are stored in and what we prefer.
        var storageName = storageVersion.GetString("name") ?? string.Empty;
        var ordered = served.Contains(storageName) ? new[] { storageName }.Concat(served.Where(v => v != storageName)).ToList() : served;
        var columns = (storageVersion["additionalPrinterColumns"] as JsonArray)?.OfType<JsonObject>()
            .Select(c => new PrinterColumn(
                c.GetString("name") ?? string.Empty,
                c.GetString("type") ?? "string",
                c.GetString("jsonPath") ?? string.Empty,
                c.GetString("description") ?? string.Empty,
                (int?)c["priority"] ?? 0,
                c.GetString("format") ?? string.Empty))
            .ToList() ?? [];
        return
        [
            new ResourceType
            {
                Group = group,
                Versions = ordered,
                Plural = plural,
                Kind = kind,
                SingularName = names.GetString("singular") ?? kind.ToLowerInvariant(),
                Namespaced = scope == "Namespaced",
                HasStatus = versions.Any(v => v["subresources"]?["status"] is not null),
                ShortNames = (names["shortNames"] as JsonArray)?.Select(s => (string?)s ?? string.Empty).ToList() ?? [],
                Categories = (names["categories"] as JsonArray)?.Select(s => (string?)s ?? string.Empty).ToList() ?? [],
                PrinterColumns = columns,
                OpenApiSchema = storageVersion["schema"]?["openAPIV3Schema"] is JsonObject schema
                    ? System.Text.Json.JsonSerializer.Deserialize(schema.ToJsonString(), JsonNodeContext.Default.JsonElement)
                    : null,
                IsCustom = true,
                ReturnsDeletedObject = true,
            },
        ];
    }

    /// <summary>Sets the conditions the apiextensions controllers would: names accepted, established.</summary>
    public static void SetAcceptedStatus(JsonObject crd, DateTimeOffset now)
    {
        var spec = crd["spec"]!.AsObject();
        var time = ObjectMeta.Timestamp(now);
        var storage = (spec["versions"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(v => v["storage"] is JsonValue s && (bool)s)?.GetString("name");
        crd["status"] = new JsonObject
        {
            ["conditions"] = new JsonArray(
                Condition("NamesAccepted", "NoConflicts", "no conflicts found", time),
                Condition("Established", "InitialNamesAccepted", "the initial names have been accepted", time)),
            ["acceptedNames"] = spec["names"]?.DeepClone(),
            ["storedVersions"] = new JsonArray(storage),
        };
    }

    private static JsonObject Condition(string type, string reason, string message, string time) => new()
    {
        ["type"] = type,
        ["status"] = "True",
        ["lastTransitionTime"] = time,
        ["reason"] = reason,
        ["message"] = message,
    };

    private static KubeApiException Invalid(ResourceType crdType, string? name, string field, string reason, string detail) =>
        KubeApiException.Invalid(crdType, name, field, reason, detail);
}
