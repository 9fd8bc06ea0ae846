using System.Net;
using System.Text.Json.Nodes;

namespace VmNet.ApiServer.Tests;

public class StatusSubresourceTests
{
    private const string Widgets = "/apis/example.com/v1/namespaces/default/widgets";

    private static async Task<(ServerFixture F, JsonObject Created)> WithWidgetAsync(bool status = true)
    {
        var f = await ServerFixture.StartAsync();
        await f.CreateCrdAsync("example.com", "widgets", "Widget", status: status);
        var widget = ServerFixture.Custom("example.com/v1", "Widget", "w1");
        widget["status"] = new JsonObject { ["ready"] = true };
        var created = await f.CreateAsync(Widgets, widget);
        return (f, created);
    }

    [Fact]
    public async Task CreateDropsStatusWhenTheResourceHasAStatusSubresource()
    {
        var (f, created) = await WithWidgetAsync();
        await using var _ = f;
        Assert.Null(created["status"]);
        Assert.Equal(1, (long?)created["metadata"]!["generation"]);
    }

    [Fact]
    public async Task StatusEndpointChangesOnlyStatus()
    {
        var (f, created) = await WithWidgetAsync();
        await using var _ = f;
        var update = (JsonObject)created.DeepClone();
        update["status"] = new JsonObject { ["phase"] = "Ready" };
        update["spec"]!["size"] = 99;
        update["metadata"]!["labels"] = new JsonObject { ["ignored"] = "yes" };
        var (code, body) = await f.PutAsync(Widgets + "/w1/status", update);
        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Equal("Ready", (string?)body["status"]!["phase"]);
        Assert.Equal(1, (int?)body["spec"]!["size"]);
        Assert.Null(body["metadata"]!["labels"]);
        Assert.Equal(1, (long?)body["metadata"]!["generation"]);

        var (patchCode, patched) = await f.PatchAsync(Widgets + "/w1/status", JsonNode.Parse("""{"status":{"phase":"Done"},"spec":{"size":5}}""")!, "application/merge-patch+json");
        Assert.Equal(HttpStatusCode.OK, patchCode);
        Assert.Equal("Done", (string?)patched["status"]!["phase"]);
        Assert.Equal(1, (int?)patched["spec"]!["size"]);
    }

    [Fact]
    public async Task MainEndpointIgnoresStatusAndBumpsGenerationOnSpecChange()
    {
        var (f, created) = await WithWidgetAsync();
        await using var _ = f;
        var withStatus = (JsonObject)created.DeepClone();
        withStatus["status"] = new JsonObject { ["phase"] = "Ready" };
        await f.PutAsync(Widgets + "/w1/status", withStatus);

        var (_, current) = await f.GetAsync(Widgets + "/w1");
        current["status"] = new JsonObject { ["phase"] = "Hacked" };
        current["spec"]!["size"] = 2;
        var (code, body) = await f.PutAsync(Widgets + "/w1", current);
        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Equal("Ready", (string?)body["status"]!["phase"]);
        Assert.Equal(2, (int?)body["spec"]!["size"]);
        Assert.Equal(2, (long?)body["metadata"]!["generation"]);

        var (_, labelled) = await f.PatchAsync(Widgets + "/w1", JsonNode.Parse("""{"metadata":{"labels":{"a":"b"}},"status":{"phase":"x"}}""")!, "application/merge-patch+json");
        Assert.Equal(2, (long?)labelled["metadata"]!["generation"]);
        Assert.Equal("Ready", (string?)labelled["status"]!["phase"]);
    }

    [Fact]
    public async Task WithoutAStatusSubresourceStatusIsOrdinaryDataAndTheEndpointIsMissing()
    {
        var (f, created) = await WithWidgetAsync(status: false);
        await using var _ = f;
        Assert.Equal(true, (bool?)created["status"]!["ready"]);
        Assert.Equal(HttpStatusCode.NotFound, (await f.PutAsync(Widgets + "/w1/status", created)).Code);
    }

    [Fact]
    public async Task PodStatusSubresourceIsServed()
    {
        await using var f = await ServerFixture.StartAsync();
        var pod = await f.CreateAsync("/api/v1/namespaces/default/pods", ServerFixture.Pod("p"));
        pod["status"] = new JsonObject { ["phase"] = "Running", ["podIP"] = "10.0.0.5" };
        var (code, body) = await f.PutAsync("/api/v1/namespaces/default/pods/p/status", pod);
        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Equal("10.0.0.5", (string?)body["status"]!["podIP"]);
        var (getCode, got) = await f.GetAsync("/api/v1/namespaces/default/pods/p/status");
        Assert.Equal(HttpStatusCode.OK, getCode);
        Assert.Equal("Running", (string?)got["status"]!["phase"]);
    }
}
