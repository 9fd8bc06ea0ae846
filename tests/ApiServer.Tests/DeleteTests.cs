using System.Net;
using System.Text.Json.Nodes;

namespace VmNet.ApiServer.Tests;

public class DeleteTests
{
    private const string Cm = "/api/v1/namespaces/default/configmaps";

    private static JsonObject WithOwner(JsonObject obj, JsonObject owner, bool block = false)
    {
        var reference = new JsonObject
        {
            ["apiVersion"] = (string?)owner["apiVersion"],
            ["kind"] = (string?)owner["kind"],
            ["name"] = (string?)owner["metadata"]!["name"],
            ["uid"] = ServerFixture.Uid(owner),
        };
        if (block)
        {
            reference["blockOwnerDeletion"] = true;
        }

        if (obj["metadata"]!["ownerReferences"] is not JsonArray refs)
        {
            refs = [];
            obj["metadata"]!["ownerReferences"] = refs;
        }

        refs.Add(reference);
        return obj;
    }

    private static JsonObject WithFinalizer(JsonObject obj, string finalizer)
    {
        obj["metadata"]!["finalizers"] = new JsonArray(finalizer);
        return obj;
    }

    [Fact]
    public async Task NonPodDeleteAnswersWithASuccessStatus()
    {
        await using var f = await ServerFixture.StartAsync();
        var created = await f.CreateAsync(Cm, ServerFixture.ConfigMap("c"));
        var (code, status) = await f.DeleteAsync(Cm + "/c");
        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Equal("Status", (string?)status["kind"]);
        Assert.Equal("Success", (string?)status["status"]);
        Assert.Equal(ServerFixture.Uid(created), (string?)status["details"]!["uid"]);
        Assert.Equal(HttpStatusCode.NotFound, (await f.DeleteAsync(Cm + "/c")).Code);
    }

    [Fact]
    public async Task PreconditionsOnUidAndResourceVersionGive409()
    {
        await using var f = await ServerFixture.StartAsync();
        var created = await f.CreateAsync(Cm, ServerFixture.ConfigMap("c"));
        var (code, status) = await f.DeleteAsync(Cm + "/c", new JsonObject { ["kind"] = "DeleteOptions", ["apiVersion"] = "v1", ["preconditions"] = new JsonObject { ["uid"] = "wrong" } });
        Assert.Equal(HttpStatusCode.Conflict, code);
        Assert.Contains("Precondition failed: UID in precondition: wrong", (string?)status["message"], StringComparison.Ordinal);
        (code, _) = await f.DeleteAsync(Cm + "/c", new JsonObject { ["preconditions"] = new JsonObject { ["resourceVersion"] = "1" } });
        Assert.Equal(HttpStatusCode.Conflict, code);
        (code, _) = await f.DeleteAsync(Cm + "/c", new JsonObject { ["preconditions"] = new JsonObject { ["uid"] = ServerFixture.Uid(created), ["resourceVersion"] = ServerFixture.Rv(created) } });
        Assert.Equal(HttpStatusCode.OK, code);
    }

    [Fact]
    public async Task FinalizersKeepTheObjectUntilAnUpdateRemovesThem()
    {
        await using var f = await ServerFixture.StartAsync();
        await f.CreateAsync(Cm, WithFinalizer(ServerFixture.ConfigMap("c"), "example.com/cleanup"));
        var (_, listed) = await f.GetAsync(Cm);
        await using var watch = await WatchClient.OpenAsync(f.Http, $"{Cm}?watch=true&resourceVersion={(string)listed["metadata"]!["resourceVersion"]!}");

        var (code, pending) = await f.DeleteAsync(Cm + "/c");
        Assert.Equal(HttpStatusCode.OK, code);
        Assert.NotNull(pending["metadata"]!["deletionTimestamp"]);
        var (getCode, stillThere) = await f.GetAsync(Cm + "/c");
        Assert.Equal(HttpStatusCode.OK, getCode);
        Assert.NotNull(stillThere["metadata"]!["deletionTimestamp"]);

        // New finalizers cannot be added while deleting.
        var adding = (JsonObject)stillThere.DeepClone();
        adding["metadata"]!["finalizers"]!.AsArray().Add("another");
        var (addCode, addStatus) = await f.PutAsync(Cm + "/c", adding);
        Assert.Equal((HttpStatusCode)422, addCode);
        Assert.Contains("no new finalizers can be added", (string?)addStatus["message"], StringComparison.Ordinal);

        stillThere["metadata"]!.AsObject().Remove("finalizers");
        var (putCode, last) = await f.PutAsync(Cm + "/c", stillThere);
        Assert.Equal(HttpStatusCode.OK, putCode);
        Assert.Equal(HttpStatusCode.NotFound, (await f.GetAsync(Cm + "/c")).Code);
        var events = await watch.TakeAsync(2);
        Assert.Equal(["MODIFIED", "DELETED"], events.Select(WatchClient.Type));
        Assert.Equal(ServerFixture.Rv(last), ServerFixture.Rv((JsonObject)events[1]["object"]!));
    }

    [Fact]
    public async Task BackgroundDeletionCollectsDependentsAfterTheOwner()
    {
        await using var f = await ServerFixture.StartAsync();
        var owner = await f.CreateAsync(Cm, ServerFixture.ConfigMap("owner"));
        await f.CreateAsync("/api/v1/namespaces/default/pods", WithOwner(ServerFixture.Pod("child1"), owner));
        await f.CreateAsync(Cm, WithOwner(ServerFixture.ConfigMap("child2"), owner));
        var grandchildOwner = (await f.GetAsync(Cm + "/child2")).Body;
        await f.CreateAsync(Cm, WithOwner(ServerFixture.ConfigMap("grandchild"), grandchildOwner));
        await f.CreateAsync(Cm, ServerFixture.ConfigMap("unrelated"));
        await using var watch = await WatchClient.OpenAsync(f.Http, $"{Cm}?watch=1&resourceVersion={f.Server.Store.CurrentResourceVersion}");

        await f.DeleteAsync(Cm + "/owner", new JsonObject { ["propagationPolicy"] = "Background" });
        Assert.Equal(HttpStatusCode.NotFound, (await f.GetAsync("/api/v1/namespaces/default/pods/child1")).Code);
        Assert.Equal(HttpStatusCode.NotFound, (await f.GetAsync(Cm + "/child2")).Code);
        Assert.Equal(HttpStatusCode.NotFound, (await f.GetAsync(Cm + "/grandchild")).Code);
        Assert.Equal(HttpStatusCode.OK, (await f.GetAsync(Cm + "/unrelated")).Code);
        var events = await watch.TakeAsync(3);
        Assert.Equal(["owner", "child2", "grandchild"], events.Select(WatchClient.Name));
        Assert.All(events, e => Assert.Equal("DELETED", WatchClient.Type(e)));
    }

    [Fact]
    public async Task DependentWithAnotherLiveOwnerOnlyLosesTheReference()
    {
        await using var f = await ServerFixture.StartAsync();
        var a = await f.CreateAsync(Cm, ServerFixture.ConfigMap("a"));
        var b = await f.CreateAsync(Cm, ServerFixture.ConfigMap("b"));
        await f.CreateAsync(Cm, WithOwner(WithOwner(ServerFixture.ConfigMap("shared"), a), b));
        await f.DeleteAsync(Cm + "/a");
        var (code, shared) = await f.GetAsync(Cm + "/shared");
        Assert.Equal(HttpStatusCode.OK, code);
        var refs = shared["metadata"]!["ownerReferences"]!.AsArray();
        Assert.Equal(ServerFixture.Uid(b), (string?)Assert.Single(refs)!["uid"]);
        await f.DeleteAsync(Cm + "/b");
        Assert.Equal(HttpStatusCode.NotFound, (await f.GetAsync(Cm + "/shared")).Code);
    }

    [Fact]
    public async Task OrphanDeletionKeepsDependentsAndStripsTheirReference()
    {
        await using var f = await ServerFixture.StartAsync();
        var owner = await f.CreateAsync(Cm, ServerFixture.ConfigMap("owner"));
        await f.CreateAsync(Cm, WithOwner(ServerFixture.ConfigMap("child"), owner));
        var (code, _) = await f.SendAsync(HttpMethod.Delete, Cm + "/owner?propagationPolicy=Orphan");
        Assert.Equal(HttpStatusCode.OK, code);
        var (childCode, child) = await f.GetAsync(Cm + "/child");
        Assert.Equal(HttpStatusCode.OK, childCode);
        Assert.Null(child["metadata"]!["ownerReferences"]);
    }

    [Fact]
    public async Task ForegroundDeletionWaitsForBlockingDependents()
    {
        await using var f = await ServerFixture.StartAsync();
        var owner = await f.CreateAsync(Cm, ServerFixture.ConfigMap("owner"));
        await f.CreateAsync(Cm, WithFinalizer(WithOwner(ServerFixture.ConfigMap("blocker"), owner, block: true), "example.com/hold"));
        await f.CreateAsync(Cm, WithOwner(ServerFixture.ConfigMap("plain"), owner));
        await using var watch = await WatchClient.OpenAsync(f.Http, $"{Cm}?watch=1&resourceVersion={f.Server.Store.CurrentResourceVersion}");

        var (code, pending) = await f.DeleteAsync(Cm + "/owner", new JsonObject { ["propagationPolicy"] = "Foreground" });
        Assert.Equal(HttpStatusCode.OK, code);
        Assert.NotNull(pending["metadata"]!["deletionTimestamp"]);
        Assert.Contains("foregroundDeletion", pending["metadata"]!["finalizers"]!.AsArray().Select(n => (string?)n));

        // The owner waits for the blocking dependent; the non-blocking one is already gone.
        Assert.Equal(HttpStatusCode.OK, (await f.GetAsync(Cm + "/owner")).Code);
        Assert.Equal(HttpStatusCode.NotFound, (await f.GetAsync(Cm + "/plain")).Code);
        var (_, blocker) = await f.GetAsync(Cm + "/blocker");
        Assert.NotNull(blocker["metadata"]!["deletionTimestamp"]);

        await f.PatchAsync(Cm + "/blocker", JsonNode.Parse("""{"metadata":{"finalizers":null}}""")!, "application/merge-patch+json");
        Assert.Equal(HttpStatusCode.NotFound, (await f.GetAsync(Cm + "/blocker")).Code);
        Assert.Equal(HttpStatusCode.NotFound, (await f.GetAsync(Cm + "/owner")).Code);

        var events = await watch.TakeAsync(5);
        var sequence = events.Select(e => $"{WatchClient.Type(e)} {WatchClient.Name(e)}").ToList();
        Assert.Equal(["MODIFIED owner", "MODIFIED blocker", "DELETED plain", "DELETED blocker", "DELETED owner"], sequence);
    }

    [Fact]
    public async Task ForegroundWithoutDependentsDeletesAtOnce()
    {
        await using var f = await ServerFixture.StartAsync();
        await f.CreateAsync(Cm, ServerFixture.ConfigMap("alone"));
        await f.SendAsync(HttpMethod.Delete, Cm + "/alone?propagationPolicy=Foreground");
        Assert.Equal(HttpStatusCode.NotFound, (await f.GetAsync(Cm + "/alone")).Code);
    }

    [Fact]
    public async Task NamespaceDeletionRemovesItsContentAndThenItself()
    {
        await using var f = await ServerFixture.StartAsync();
        await f.CreateAsync("/api/v1/namespaces", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "team" } });
        await f.CreateAsync("/api/v1/namespaces/team/configmaps", WithFinalizer(ServerFixture.ConfigMap("held"), "x/y"));
        await f.CreateAsync("/api/v1/namespaces/team/pods", ServerFixture.Pod("p"));
        var (code, ns) = await f.DeleteAsync("/api/v1/namespaces/team");
        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Equal("Terminating", (string?)ns["status"]!["phase"]);
        Assert.Equal(HttpStatusCode.NotFound, (await f.GetAsync("/api/v1/namespaces/team/pods/p")).Code);
        Assert.Equal(HttpStatusCode.Forbidden, (await f.PostAsync("/api/v1/namespaces/team/pods", ServerFixture.Pod("late"))).Code);

        await f.PatchAsync("/api/v1/namespaces/team/configmaps/held", JsonNode.Parse("""{"metadata":{"finalizers":null}}""")!, "application/merge-patch+json");
        Assert.Equal(HttpStatusCode.NotFound, (await f.GetAsync("/api/v1/namespaces/team")).Code);
    }

    [Fact]
    public async Task DeleteCollectionHonoursTheLabelSelector()
    {
        await using var f = await ServerFixture.StartAsync();
        foreach (var (name, app) in new[] { ("a", "x"), ("b", "x"), ("c", "y") })
        {
            var cm = ServerFixture.ConfigMap(name);
            cm["metadata"]!["labels"] = new JsonObject { ["app"] = app };
            await f.CreateAsync(Cm, cm);
        }

        var (code, list) = await f.DeleteAsync(Cm + "?labelSelector=app%3Dx");
        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Equal(2, list["items"]!.AsArray().Count);
        var (_, remaining) = await f.GetAsync(Cm);
        Assert.Equal("c", (string?)Assert.Single(remaining["items"]!.AsArray())!["metadata"]!["name"]);
    }
}
