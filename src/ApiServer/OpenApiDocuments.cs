using System.Text.Json.Nodes;

namespace VmNet.ApiServer;

/// <summary>
/// A minimal OpenAPI v3 index: one document per group-version listing each resource's collection path with
/// its x-kubernetes-group-version-kind and the fieldValidation parameter. kubectl reads it to learn that the
/// server validates fields itself, so `kubectl create/apply` work without client-side schemas.
/// </summary>
internal static class OpenApiDocuments
{
    public static JsonObject Root(ResourceRegistry registry)
    {
        var paths = new JsonObject();
        foreach (var gv in GroupVersions(registry))
        {
            paths[gv] = new JsonObject { ["serverRelativeURL"] = $"/openapi/v3/{gv}?hash={Hash(registry, gv)}" };
        }

        return new JsonObject { ["paths"] = paths };
    }

    /// <summary>The document for "api/v1" or "apis/{group}/{version}", or null when nothing is served there.</summary>
    public static JsonObject? ForGroupVersion(ResourceRegistry registry, string gv)
    {
        var types = TypesIn(registry, gv).ToList();
        if (types.Count == 0)
        {
            return null;
        }

        var paths = new JsonObject();
        foreach (var (type, version) in types)
        {
            var prefix = "/" + gv + (type.Namespaced ? "/namespaces/{namespace}/" : "/") + type.Plural;
            var gvk = new JsonObject { ["group"] = type.Group, ["version"] = version, ["kind"] = type.Kind };
            paths[prefix] = new JsonObject
            {
                ["post"] = Operation("create" + type.Kind, gvk),
            };
            paths[prefix + "/{name}"] = new JsonObject
            {
                ["put"] = Operation("replace" + type.Kind, gvk),
                ["patch"] = Operation("patch" + type.Kind, gvk),
            };
        }

        return new JsonObject
        {
            ["openapi"] = "3.0.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = "v1.32.0" },
            ["paths"] = paths,
            ["components"] = new JsonObject { ["schemas"] = new JsonObject() },
        };
    }

    private static JsonObject Operation(string id, JsonObject gvk) => new()
    {
        ["operationId"] = id,
        ["parameters"] = new JsonArray(
            new JsonObject { ["name"] = "dryRun", ["in"] = "query", ["schema"] = new JsonObject { ["type"] = "string" } },
            new JsonObject { ["name"] = "fieldManager", ["in"] = "query", ["schema"] = new JsonObject { ["type"] = "string" } },
            new JsonObject { ["name"] = "fieldValidation", ["in"] = "query", ["schema"] = new JsonObject { ["type"] = "string" } }),
        ["responses"] = new JsonObject { ["200"] = new JsonObject { ["description"] = "OK" } },
        ["x-kubernetes-action"] = "post",
        ["x-kubernetes-group-version-kind"] = gvk.DeepClone(),
    };

    private static IEnumerable<string> GroupVersions(ResourceRegistry registry) =>
        registry.All.SelectMany(t => t.Versions.Select(v => t.Group.Length == 0 ? "api/" + v : $"apis/{t.Group}/{v}"))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal);

    private static IEnumerable<(ResourceType Type, string Version)> TypesIn(ResourceRegistry registry, string gv)
    {
        foreach (var type in registry.All.OrderBy(t => t.Plural, StringComparer.Ordinal))
        {
            foreach (var version in type.Versions)
            {
                if ((type.Group.Length == 0 ? "api/" + version : $"apis/{type.Group}/{version}") == gv)
                {
                    yield return (type, version);
                }
            }
        }
    }

    // Clients cache documents by hash; it must change when the resources in the group-version change.
    private static string Hash(ResourceRegistry registry, string gv)
    {
        var text = string.Join(';', TypesIn(registry, gv).Select(t => $"{t.Type.Plural}:{t.Type.Kind}:{t.Type.Namespaced}"));
        return Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)))[..16];
    }
}
