using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace VmNet.ApiServer;

/// <summary>Discovery documents (/api, /apis, group and group-version resource lists), /version and health checks.</summary>
internal static class Discovery
{
    public static async Task<bool> TryHandleAsync(HttpContext context, ResourceRegistry registry, ApiServerOptions options, string hostPort, CancellationToken ct)
    {
        if (context.Request.Method != "GET")
        {
            return false;
        }

        var path = (context.Request.Path.Value ?? "/").TrimEnd('/');
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        JsonNode? body = segments switch
        {
            ["version"] => Version(options),
            ["healthz" or "livez" or "readyz"] => null,
            ["api"] => new JsonObject
            {
                ["kind"] = "APIVersions",
                ["versions"] = new JsonArray("v1"),
                ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject { ["clientCIDR"] = "0.0.0.0/0", ["serverAddress"] = hostPort }),
            },
            ["api", var v] => ResourceList(registry, string.Empty, v) ?? throw KubeApiException.NotFoundPath(),
            ["apis"] => new JsonObject
            {
                ["kind"] = "APIGroupList",
                ["apiVersion"] = "v1",
                ["groups"] = new JsonArray(Groups(registry).Select(g => (JsonNode?)GroupDocument(g.Key, g.Value, withKind: false)).ToArray()),
            },
            ["apis", var g] => Groups(registry).TryGetValue(g, out var versions) ? GroupDocument(g, versions, withKind: true) : throw KubeApiException.NotFoundPath(),
            ["apis", var g, var v] => ResourceList(registry, g, v) ?? throw KubeApiException.NotFoundPath(),
            ["openapi", "v3"] => OpenApiDocuments.Root(registry),
            ["openapi", "v3", .. var gv] => OpenApiDocuments.ForGroupVersion(registry, string.Join('/', gv)) ?? throw KubeApiException.NotFoundPath(),
            _ => Missing,
        };
        if (ReferenceEquals(body, Missing))
        {
            return false;
        }

        if (body is null)
        {
            context.Response.ContentType = "text/plain";
            await context.Response.WriteAsync("ok", ct);
            return true;
        }

        await ResponseWriter.WriteJsonAsync(context, 200, body, ct);
        return true;
    }

    private static readonly JsonObject Missing = [];

    /// <summary>Paths the real server shows to unauthenticated clients (system:public-info-viewer).</summary>
    public static bool IsPublic(PathString path) =>
        path.Value is "/healthz" or "/livez" or "/readyz" or "/version" or "/version/";

    private static JsonObject Version(ApiServerOptions options)
    {
        var parts = options.GitVersion.TrimStart('v').Split('.', '-');
        return new JsonObject
        {
            ["major"] = parts.ElementAtOrDefault(0) ?? "1",
            ["minor"] = parts.ElementAtOrDefault(1) ?? "0",
            ["gitVersion"] = options.GitVersion,
            ["gitCommit"] = "0000000000000000000000000000000000000000",
            ["gitTreeState"] = "clean",
            ["buildDate"] = "2026-01-01T00:00:00Z",
            ["goVersion"] = "go1.23",
            ["compiler"] = "gc",
            ["platform"] = "linux/amd64",
        };
    }

    /// <summary>Group name to served versions, preferred (storage) version first.</summary>
    private static SortedDictionary<string, List<string>> Groups(ResourceRegistry registry)
    {
        var groups = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var type in registry.All.Where(t => t.Group.Length > 0))
        {
            if (!groups.TryGetValue(type.Group, out var versions))
            {
                versions = [];
                groups[type.Group] = versions;
            }

            foreach (var v in type.Versions.Where(v => !versions.Contains(v)))
            {
                versions.Add(v);
            }
        }

        return groups;
    }

    private static JsonObject GroupDocument(string group, List<string> versions, bool withKind)
    {
        var doc = new JsonObject();
        if (withKind)
        {
            doc["kind"] = "APIGroup";
            doc["apiVersion"] = "v1";
        }

        doc["name"] = group;
        doc["versions"] = new JsonArray(versions.Select(v => (JsonNode?)new JsonObject { ["groupVersion"] = $"{group}/{v}", ["version"] = v }).ToArray());
        doc["preferredVersion"] = new JsonObject { ["groupVersion"] = $"{group}/{versions[0]}", ["version"] = versions[0] };
        return doc;
    }

    private static JsonObject? ResourceList(ResourceRegistry registry, string group, string version)
    {
        var types = registry.All.Where(t => t.Group == group && t.ServesVersion(version)).OrderBy(t => t.Plural, StringComparer.Ordinal).ToList();
        if (types.Count == 0 && !(group.Length == 0 && version == "v1"))
        {
            return null;
        }

        var resources = new JsonArray();
        foreach (var type in types)
        {
            var entry = new JsonObject
            {
                ["name"] = type.Plural,
                ["singularName"] = type.Singular,
                ["namespaced"] = type.Namespaced,
                ["kind"] = type.Kind,
                ["verbs"] = new JsonArray(ResourceType.DefaultVerbs.Select(v => (JsonNode?)v).ToArray()),
            };
            if (type.ShortNames.Count > 0)
            {
                entry["shortNames"] = new JsonArray(type.ShortNames.Select(s => (JsonNode?)s).ToArray());
            }

            if (type.Categories.Count > 0)
            {
                entry["categories"] = new JsonArray(type.Categories.Select(s => (JsonNode?)s).ToArray());
            }

            resources.Add(entry);
            if (type.HasStatus)
            {
                resources.Add(new JsonObject
                {
                    ["name"] = type.Plural + "/status",
                    ["singularName"] = string.Empty,
                    ["namespaced"] = type.Namespaced,
                    ["kind"] = type.Kind,
                    ["verbs"] = new JsonArray("get", "patch", "update"),
                });
            }
        }

        return new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["apiVersion"] = "v1",
            ["groupVersion"] = group.Length == 0 ? version : $"{group}/{version}",
            ["resources"] = resources,
        };
    }
}
