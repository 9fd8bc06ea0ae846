using System.Net;
using System.Text.Json.Nodes;

namespace VmNet.ApiServer.Tests;

public class DryRunTests
{
    private const string Cm = "/api/v1/namespaces/default/configmaps";

    [Fact]
    public async Task DryRunWritesValidateAndAnswerButPersistNothing()
    {
        await using var f = await ServerFixture.StartAsync();
        var existing = await f.CreateAsync(Cm, ServerFixture.ConfigMap("real"));
        var revision = f.Server.Store.CurrentResourceVersion;
        await using var watch = await WatchClient.OpenAsync(f.Http, $"{Cm}?watch=1&resourceVersion={revision}&timeoutSeconds=1");

        var (code, created) = await f.PostAsync(Cm + "?dryRun=All", ServerFixture.ConfigMap("ghost"));
        Assert.Equal(HttpStatusCode.Created, code);
        Assert.Equal("ghost", (string?)created["metadata"]!["name"]);
        Assert.NotNull(created["metadata"]!["uid"]);
        Assert.Null(created["metadata"]!["resourceVersion"]);
        Assert.Equal(HttpStatusCode.NotFound, (await f.GetAsync(Cm + "/ghost")).Code);

        Assert.Equal(HttpStatusCode.Conflict, (await f.PostAsync(Cm + "?dryRun=All", ServerFixture.ConfigMap("real"))).Code);

        var (patchCode, patched) = await f.PatchAsync(Cm + "/real?dryRun=All", JsonNode.Parse("""{"data":{"k":"dry"}}""")!, "application/merge-patch+json");
        Assert.Equal(HttpStatusCode.OK, patchCode);
        Assert.Equal("dry", (string?)patched["data"]!["k"]);
        Assert.Equal(ServerFixture.Rv(existing), ServerFixture.Rv(patched));

        var (deleteCode, _) = await f.DeleteAsync(Cm + "/real?dryRun=All");
        Assert.Equal(HttpStatusCode.OK, deleteCode);

        var (_, still) = await f.GetAsync(Cm + "/real");
        Assert.Equal("v", (string?)still["data"]!["k"]);
        Assert.Equal(revision, f.Server.Store.CurrentResourceVersion);
        Assert.Null(await watch.NextAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(HttpStatusCode.BadRequest, (await f.PostAsync(Cm + "?dryRun=Some", ServerFixture.ConfigMap("x"))).Code);
    }

    [Fact]
    public async Task DryRunCrdDoesNotServeTheResource()
    {
        await using var f = await ServerFixture.StartAsync();
        var (code, _) = await f.PostAsync("/apis/apiextensions.k8s.io/v1/customresourcedefinitions?dryRun=All", ServerFixture.Crd("example.com", "widgets", "Widget"));
        Assert.Equal(HttpStatusCode.Created, code);
        Assert.Equal(HttpStatusCode.NotFound, (await f.GetAsync("/apis/example.com/v1")).Code);
    }
}
