using System.Net;
using System.Text.Json.Nodes;

namespace VmNet.ApiServer.Tests;

public class CrudTests
{
    [Fact]
    public async Task CreateGetReplaceDeleteRoundTrip()
    {
        await using var f = await ServerFixture.StartAsync();
        var created = await f.CreateAsync("/api/v1/namespaces/default/pods", ServerFixture.Pod("p1"));
        Assert.Equal("p1", (string?)created["metadata"]!["name"]);
        Assert.Equal("default", (string?)created["metadata"]!["namespace"]);
        Assert.False(string.IsNullOrEmpty(ServerFixture.Uid(created)));
        Assert.NotNull(created["metadata"]!["creationTimestamp"]);
        Assert.Equal("Pending", (string?)created["status"]!["phase"]);

        var (code, got) = await f.GetAsync("/api/v1/namespaces/default/pods/p1");
        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Equal(ServerFixture.Rv(created), ServerFixture.Rv(got));

        got["metadata"]!["labels"] = new JsonObject { ["a"] = "b" };
        var (putCode, replaced) = await f.PutAsync("/api/v1/namespaces/default/pods/p1", got);
        Assert.Equal(HttpStatusCode.OK, putCode);
        Assert.True(long.Parse(ServerFixture.Rv(replaced)) > long.Parse(ServerFixture.Rv(created)));

        var (delCode, deleted) = await f.DeleteAsync("/api/v1/namespaces/default/pods/p1");
        Assert.Equal(HttpStatusCode.OK, delCode);
        Assert.Equal("Pod", (string?)deleted["kind"]);
        var (missingCode, status) = await f.GetAsync("/api/v1/namespaces/default/pods/p1");
        Assert.Equal(HttpStatusCode.NotFound, missingCode);
        Assert.Equal("NotFound", (string?)status["reason"]);
        Assert.Equal("pods \"p1\" not found", (string?)status["message"]);
        Assert.Equal("pods", (string?)status["details"]!["kind"]);
        Assert.Equal(404, (int?)status["code"]);
    }
}
