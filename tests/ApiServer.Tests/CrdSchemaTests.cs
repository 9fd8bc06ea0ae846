using System.Net;
using System.Text.Json.Nodes;

namespace VmNet.ApiServer.Tests;

public class CrdSchemaTests
{
    private static JsonObject CrdWithSchema()
    {
        var crd = ServerFixture.Crd("example.com", "gadgets", "Gadget");
        crd["spec"]!["versions"]![0]!["schema"] = JsonNode.Parse("""
            {"openAPIV3Schema": {"type": "object", "properties": {
              "spec": {"type": "object", "properties": {
                "size": {"type": "integer"},
                "mode": {"type": "string", "default": "fast", "enum": ["fast", "slow"]},
                "ports": {"type": "array", "items": {"type": "object", "properties": {"port": {"type": "integer"}, "protocol": {"type": "string", "default": "TCP"}}}},
                "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}
              }, "required": ["size"]},
              "status": {"type": "object", "properties": {"ready": {"type": "boolean"}}}
            }}}
            """);
        return crd;
    }

    [Fact]
    public async Task SchemasPruneUnknownFieldsAndApplyDefaultsWhenEnabled()
    {
        await using var f = await ServerFixture.StartAsync(new ApiServerOptions { ApplyCrdSchemas = true });
        await f.CreateAsync("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", CrdWithSchema());
        var gadget = ServerFixture.Custom("example.com/v1", "Gadget", "g", JsonNode.Parse("""
            {"size": 1, "unknown": "x", "ports": [{"port": 80, "junk": 1}], "labels": {"a": "b"}, "free": {"anything": {"goes": true}}}
            """)!.AsObject());
        gadget["extraTopLevel"] = "dropped";
        var created = await f.CreateAsync("/apis/example.com/v1/namespaces/default/gadgets", gadget);
        var spec = created["spec"]!.AsObject();
        Assert.Null(created["extraTopLevel"]);
        Assert.False(spec.ContainsKey("unknown"));
        Assert.Equal(1, (int?)spec["size"]);
        Assert.Equal("fast", (string?)spec["mode"]);
        Assert.Equal("TCP", (string?)spec["ports"]![0]!["protocol"]);
        Assert.False(spec["ports"]![0]!.AsObject().ContainsKey("junk"));
        Assert.Equal("b", (string?)spec["labels"]!["a"]);
        Assert.Equal(true, (bool?)spec["free"]!["anything"]!["goes"]);

        // A write that only adds undeclared fields changes nothing after pruning.
        var (_, same) = await f.PatchAsync("/apis/example.com/v1/namespaces/default/gadgets/g", JsonNode.Parse("""{"spec":{"bogus":1}}""")!, "application/merge-patch+json");
        Assert.Equal(ServerFixture.Rv(created), ServerFixture.Rv(same));
    }

    [Fact]
    public async Task SchemaViolationsAre422WithEveryFieldError()
    {
        await using var f = await ServerFixture.StartAsync(new ApiServerOptions { ApplyCrdSchemas = true });
        await f.CreateAsync("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", CrdWithSchema());
        var bad = ServerFixture.Custom("example.com/v1", "Gadget", "bad", JsonNode.Parse("""{"mode": "medium", "ports": [{"port": "eighty"}]}""")!.AsObject());
        var (code, status) = await f.PostAsync("/apis/example.com/v1/namespaces/default/gadgets", bad);
        Assert.Equal((HttpStatusCode)422, code);
        Assert.Equal("Invalid", (string?)status["reason"]);
        var fields = status["details"]!["causes"]!.AsArray().Select(c => (string?)c!["field"]).ToList();
        Assert.Equal(["spec.mode", "spec.ports[0].port", "spec.size"], fields);
        Assert.Contains("spec.mode: Unsupported value: \"medium\": supported values: \"fast\", \"slow\"", (string?)status["message"], StringComparison.Ordinal);
        Assert.Contains("spec.ports[0].port in body must be of type integer: \"string\"", (string?)status["message"], StringComparison.Ordinal);

        var good = ServerFixture.Custom("example.com/v1", "Gadget", "good");
        await f.CreateAsync("/apis/example.com/v1/namespaces/default/gadgets", good);
        var (patchCode, _) = await f.PatchAsync("/apis/example.com/v1/namespaces/default/gadgets/good", JsonNode.Parse("""{"spec":{"size":"big"}}""")!, "application/merge-patch+json");
        Assert.Equal((HttpStatusCode)422, patchCode);
    }

    [Fact]
    public async Task SchemasAreIgnoredByDefault()
    {
        await using var f = await ServerFixture.StartAsync();
        await f.CreateAsync("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", CrdWithSchema());
        var created = await f.CreateAsync("/apis/example.com/v1/namespaces/default/gadgets", ServerFixture.Custom("example.com/v1", "Gadget", "g", new JsonObject { ["unknown"] = "kept" }));
        Assert.Equal("kept", (string?)created["spec"]!["unknown"]);
        Assert.Null(created["spec"]!["mode"]);
        Assert.Equal(HttpStatusCode.OK, (await f.GetAsync("/apis/example.com/v1/namespaces/default/gadgets/g")).Code);
    }
}
