using System.Text.Json.Nodes;

namespace VmNet.ApiServer.Tests;

public class WatchTests
{
    [Fact]
    public async Task WatchWithoutResourceVersionStartsWithAddedThenStreamsChangesInOrder()
    {
        await using var f = await ServerFixture.StartAsync();
        await f.CreateAsync("/api/v1/namespaces/default/configmaps", ServerFixture.ConfigMap("a"));
        await using var watch = await WatchClient.OpenAsync(f.Http, "/api/v1/namespaces/default/configmaps?watch=1");
        var initial = await watch.NextAsync();
        Assert.Equal("ADDED", WatchClient.Type(initial!));
        Assert.Equal("a", WatchClient.Name(initial!));

        var b = await f.CreateAsync("/api/v1/namespaces/default/configmaps", ServerFixture.ConfigMap("b"));
        b["data"]!["k"] = "changed";
        await f.PutAsync("/api/v1/namespaces/default/configmaps/b", b);
        await f.DeleteAsync("/api/v1/namespaces/default/configmaps/b");
        var events = await watch.TakeAsync(3);
        Assert.Equal(["ADDED", "MODIFIED", "DELETED"], events.Select(WatchClient.Type));
        var rvs = events.Select(e => long.Parse(ServerFixture.Rv((JsonObject)e["object"]!))).ToList();
        Assert.Equal(rvs.OrderBy(r => r), rvs);
        Assert.Equal(3, rvs.Distinct().Count());
    }
}
