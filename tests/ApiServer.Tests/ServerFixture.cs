using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using VmNet.ApiServer;

namespace VmNet.ApiServer.Tests;

/// <summary>A started server plus a plain HttpClient and small JSON helpers; one per test.</summary>
public sealed class ServerFixture : IAsyncDisposable
{
    private ServerFixture(KubeApiServer server)
    {
        Server = server;
        Http = server.CreateHttpClient();
    }

    public KubeApiServer Server { get; }

    public HttpClient Http { get; }

    public static async Task<ServerFixture> StartAsync(ApiServerOptions? options = null)
    {
        var server = new KubeApiServer(options);
        await server.StartAsync();
        return new ServerFixture(server);
    }

    public async Task<(HttpStatusCode Code, JsonObject Body)> SendAsync(HttpMethod method, string path, JsonNode? body = null, string contentType = "application/json", string? accept = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        if (accept is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }

        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var parsed = text.Length == 0 ? [] : JsonNode.Parse(text) as JsonObject ?? [];
        return (response.StatusCode, parsed);
    }

    public Task<(HttpStatusCode Code, JsonObject Body)> GetAsync(string path) => SendAsync(HttpMethod.Get, path);

    public Task<(HttpStatusCode Code, JsonObject Body)> PostAsync(string path, JsonNode body) => SendAsync(HttpMethod.Post, path, body);

    public Task<(HttpStatusCode Code, JsonObject Body)> PutAsync(string path, JsonNode body) => SendAsync(HttpMethod.Put, path, body);

    public Task<(HttpStatusCode Code, JsonObject Body)> DeleteAsync(string path, JsonNode? body = null) => SendAsync(HttpMethod.Delete, path, body);

    public Task<(HttpStatusCode Code, JsonObject Body)> PatchAsync(string path, JsonNode body, string contentType) => SendAsync(HttpMethod.Patch, path, body, contentType);

    /// <summary>Creates and asserts 201; returns the created object.</summary>
    public async Task<JsonObject> CreateAsync(string collectionPath, JsonObject obj)
    {
        var (code, body) = await PostAsync(collectionPath, obj);
        Assert.True(code == HttpStatusCode.Created, $"create at {collectionPath} gave {code}: {body.ToJsonString()}");
        return body;
    }

    public static JsonObject Pod(string name, IDictionary<string, string>? labels = null, string? nodeName = null)
    {
        var meta = new JsonObject { ["name"] = name };
        if (labels is not null)
        {
            meta["labels"] = new JsonObject(labels.Select(l => KeyValuePair.Create(l.Key, (JsonNode?)l.Value)));
        }

        var spec = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "c", ["image"] = "busybox" }) };
        if (nodeName is not null)
        {
            spec["nodeName"] = nodeName;
        }

        return new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Pod", ["metadata"] = meta, ["spec"] = spec };
    }

    public static JsonObject ConfigMap(string name, string value = "v") => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "ConfigMap",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["data"] = new JsonObject { ["k"] = value },
    };

    public static JsonObject Crd(string group, string plural, string kind, bool namespaced = true, bool status = true, params string[] versions)
    {
        var versionList = versions.Length == 0 ? ["v1"] : versions;
        var versionNodes = new JsonArray();
        for (var i = 0; i < versionList.Length; i++)
        {
            var v = new JsonObject
            {
                ["name"] = versionList[i],
                ["served"] = true,
                ["storage"] = i == 0,
                ["schema"] = new JsonObject { ["openAPIV3Schema"] = new JsonObject { ["type"] = "object", ["x-kubernetes-preserve-unknown-fields"] = true } },
            };
            if (status)
            {
                v["subresources"] = new JsonObject { ["status"] = new JsonObject() };
            }

            versionNodes.Add(v);
        }

        return new JsonObject
        {
            ["apiVersion"] = "apiextensions.k8s.io/v1",
            ["kind"] = "CustomResourceDefinition",
            ["metadata"] = new JsonObject { ["name"] = $"{plural}.{group}" },
            ["spec"] = new JsonObject
            {
                ["group"] = group,
                ["scope"] = namespaced ? "Namespaced" : "Cluster",
                ["names"] = new JsonObject { ["plural"] = plural, ["singular"] = kind.ToLowerInvariant(), ["kind"] = kind, ["shortNames"] = new JsonArray(plural[..3]) },
                ["versions"] = versionNodes,
            },
        };
    }

    /// <summary>Creates a CRD through HTTP (as a real client would) and returns the created object.</summary>
    public Task<JsonObject> CreateCrdAsync(string group, string plural, string kind, bool namespaced = true, bool status = true, params string[] versions) =>
        CreateAsync("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", Crd(group, plural, kind, namespaced, status, versions));

    public static JsonObject Custom(string apiVersion, string kind, string name, JsonObject? spec = null) => new()
    {
        ["apiVersion"] = apiVersion,
        ["kind"] = kind,
        ["metadata"] = new JsonObject { ["name"] = name },
        ["spec"] = spec ?? new JsonObject { ["size"] = 1 },
    };

    public static string Rv(JsonObject obj) => (string)obj["metadata"]!["resourceVersion"]!;

    public static string Uid(JsonObject obj) => (string)obj["metadata"]!["uid"]!;

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
    }
}
