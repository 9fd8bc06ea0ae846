using System.Net;
using System.Text.Json.Nodes;

namespace VmNet.ApiServer.Tests;

public class PatchTests
{
    private const string Cm = "/api/v1/namespaces/default/configmaps";
    private const string Merge = "application/merge-patch+json";
    private const string Json = "application/json-patch+json";

    private static async Task<ServerFixture> WithConfigMapAsync()
    {
        var f = await ServerFixture.StartAsync();
        var cm = ServerFixture.ConfigMap("c");
        cm["data"]!["remove"] = "me";
        cm["metadata"]!["labels"] = new JsonObject { ["a"] = "1" };
        await f.CreateAsync(Cm, cm);
        return f;
    }

    [Fact]
    public async Task MergePatchMergesObjectsAndNullDeletes()
    {
        await using var f = await WithConfigMapAsync();
        var patch = JsonNode.Parse("""{"data":{"k":"new","remove":null,"added":"x"},"metadata":{"labels":{"b":"2"}}}""")!;
        var (code, body) = await f.PatchAsync(Cm + "/c", patch, Merge);
        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Equal("new", (string?)body["data"]!["k"]);
        Assert.Equal("x", (string?)body["data"]!["added"]);
        Assert.False(body["data"]!.AsObject().ContainsKey("remove"));
        Assert.Equal("1", (string?)body["metadata"]!["labels"]!["a"]);
        Assert.Equal("2", (string?)body["metadata"]!["labels"]!["b"]);
    }

    [Fact]
    public async Task MergePatchReplacesArrays()
    {
        await using var f = await ServerFixture.StartAsync();
        await f.CreateAsync("/api/v1/namespaces/default/pods", ServerFixture.Pod("p"));
        var patch = JsonNode.Parse("""{"metadata":{"finalizers":["a","b"]}}""")!;
        await f.PatchAsync("/api/v1/namespaces/default/pods/p", patch, Merge);
        var (_, body) = await f.PatchAsync("/api/v1/namespaces/default/pods/p", JsonNode.Parse("""{"metadata":{"finalizers":["c"]}}""")!, "application/strategic-merge-patch+json");
        Assert.Equal(["c"], body["metadata"]!["finalizers"]!.AsArray().Select(n => (string?)n));
    }

    [Fact]
    public async Task JsonPatchAppliesOperationsInOrder()
    {
        await using var f = await WithConfigMapAsync();
        var patch = JsonNode.Parse("""
            [
              {"op":"test","path":"/data/k","value":"v"},
              {"op":"replace","path":"/data/k","value":"w"},
              {"op":"add","path":"/data/n","value":"1"},
              {"op":"remove","path":"/data/remove"},
              {"op":"copy","from":"/data/n","path":"/data/n2"},
              {"op":"move","from":"/data/n2","path":"/data/n3"},
              {"op":"add","path":"/metadata/labels/x~1y","value":"slash"}
            ]
            """)!;
        var (code, body) = await f.PatchAsync(Cm + "/c", patch, Json);
        Assert.Equal(HttpStatusCode.OK, code);
        var data = body["data"]!.AsObject();
        Assert.Equal("w", (string?)data["k"]);
        Assert.Equal("1", (string?)data["n"]);
        Assert.Equal("1", (string?)data["n3"]);
        Assert.False(data.ContainsKey("n2"));
        Assert.False(data.ContainsKey("remove"));
        Assert.Equal("slash", (string?)body["metadata"]!["labels"]!["x/y"]);
    }

    [Fact]
    public async Task JsonPatchFailedTestLeavesTheObjectUnchangedAndIs422()
    {
        await using var f = await WithConfigMapAsync();
        var (_, before) = await f.GetAsync(Cm + "/c");
        var patch = JsonNode.Parse("""[{"op":"replace","path":"/data/k","value":"changed"},{"op":"test","path":"/data/k","value":"v"}]""")!;
        var (code, status) = await f.PatchAsync(Cm + "/c", patch, Json);
        Assert.Equal((HttpStatusCode)422, code);
        Assert.Equal("Invalid", (string?)status["reason"]);
        var (_, after) = await f.GetAsync(Cm + "/c");
        Assert.Equal("v", (string?)after["data"]!["k"]);
        Assert.Equal(ServerFixture.Rv(before), ServerFixture.Rv(after));
    }

    [Fact]
    public async Task JsonPatchOnAMissingPathIs422()
    {
        await using var f = await WithConfigMapAsync();
        var (code, _) = await f.PatchAsync(Cm + "/c", JsonNode.Parse("""[{"op":"remove","path":"/spec/nothing"}]""")!, Json);
        Assert.Equal((HttpStatusCode)422, code);
    }

    [Fact]
    public async Task PatchCarryingAStaleResourceVersionIs409()
    {
        await using var f = await WithConfigMapAsync();
        var (code, status) = await f.PatchAsync(Cm + "/c", JsonNode.Parse("""{"metadata":{"resourceVersion":"1"},"data":{"k":"z"}}""")!, Merge);
        Assert.Equal(HttpStatusCode.Conflict, code);
        Assert.Equal("Conflict", (string?)status["reason"]);
    }

    [Fact]
    public async Task PatchOfAMissingObjectIs404AndUnknownPatchTypeIs415()
    {
        await using var f = await WithConfigMapAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await f.PatchAsync(Cm + "/missing", new JsonObject(), Merge)).Code);
        var (code, status) = await f.PatchAsync(Cm + "/c", new JsonObject(), "application/apply-patch+yaml");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, code);
        Assert.Equal("UnsupportedMediaType", (string?)status["reason"]);
    }
}
