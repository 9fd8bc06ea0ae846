using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;

namespace VmNet.ApiServer.Tests;

public class WatchTests
{
    private const string Cm = "/api/v1/namespaces/default/configmaps";

    private static string Rv(long rv) => rv.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public async Task WatchWithoutResourceVersionStartsWithAddedThenStreamsChangesInOrder()
    {
        await using var f = await ServerFixture.StartAsync();
        await f.CreateAsync(Cm, ServerFixture.ConfigMap("a"));
        await using var watch = await WatchClient.OpenAsync(f.Http, Cm + "?watch=1");
        Assert.Equal(HttpStatusCode.OK, watch.StatusCode);
        var initial = await watch.NextAsync();
        Assert.Equal("ADDED", WatchClient.Type(initial!));
        Assert.Equal("a", WatchClient.Name(initial!));

        var b = await f.CreateAsync(Cm, ServerFixture.ConfigMap("b"));
        b["data"]!["k"] = "changed";
        await f.PutAsync(Cm + "/b", b);
        await f.DeleteAsync(Cm + "/b");
        var events = await watch.TakeAsync(3);
        Assert.Equal(["ADDED", "MODIFIED", "DELETED"], events.Select(WatchClient.Type));
        var rvs = events.Select(e => long.Parse(ServerFixture.Rv((JsonObject)e["object"]!), CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(rvs.Order(), rvs);
        Assert.Equal(3, rvs.Distinct().Count());
        Assert.Equal(f.Server.Store.CurrentResourceVersion, rvs[^1]);
    }

    [Fact]
    public async Task WatchFromAResourceVersionReplaysOnlyLaterEvents()
    {
        await using var f = await ServerFixture.StartAsync();
        await f.CreateAsync(Cm, ServerFixture.ConfigMap("before"));
        var from = f.Server.Store.CurrentResourceVersion;
        await f.CreateAsync(Cm, ServerFixture.ConfigMap("after1"));
        await f.CreateAsync("/api/v1/namespaces/default/pods", ServerFixture.Pod("other-resource"));
        await f.CreateAsync(Cm, ServerFixture.ConfigMap("after2"));
        await using var watch = await WatchClient.OpenAsync(f.Http, $"{Cm}?watch=true&resourceVersion={Rv(from)}");
        var events = await watch.TakeAsync(2);
        Assert.Equal(["after1", "after2"], events.Select(WatchClient.Name));
        Assert.All(events, e => Assert.Equal("ADDED", WatchClient.Type(e)));
    }

    [Fact]
    public async Task WatchFromACompactedResourceVersionGetsA410ExpiredErrorEvent()
    {
        await using var f = await ServerFixture.StartAsync(new ApiServerOptions { WatchHistorySize = 3 });
        var from = f.Server.Store.CurrentResourceVersion;
        for (var i = 0; i < 5; i++)
        {
            await f.CreateAsync(Cm, ServerFixture.ConfigMap($"c{i}"));
        }

        await using var watch = await WatchClient.OpenAsync(f.Http, $"{Cm}?watch=1&resourceVersion={Rv(from)}");
        Assert.Equal(HttpStatusCode.OK, watch.StatusCode);
        var error = await watch.NextAsync();
        Assert.Equal("ERROR", WatchClient.Type(error!));
        var status = error!["object"]!;
        Assert.Equal("Status", (string?)status["kind"]);
        Assert.Equal("Expired", (string?)status["reason"]);
        Assert.Equal(410, (int?)status["code"]);
        Assert.StartsWith("too old resource version", (string?)status["message"], StringComparison.Ordinal);
        Assert.Null(await watch.NextAsync());

        // Within the retained history a watch still resumes.
        await using var recent = await WatchClient.OpenAsync(f.Http, $"{Cm}?watch=1&resourceVersion={Rv(f.Server.Store.CurrentResourceVersion - 2)}");
        Assert.Equal(["c3", "c4"], (await recent.TakeAsync(2)).Select(WatchClient.Name));
    }

    [Fact]
    public async Task CompactHistoryNowExpiresOlderResourceVersions()
    {
        await using var f = await ServerFixture.StartAsync();
        await f.CreateAsync(Cm, ServerFixture.ConfigMap("x"));
        var old = f.Server.Store.CurrentResourceVersion - 1;
        f.Server.Store.CompactHistory();
        await using var watch = await WatchClient.OpenAsync(f.Http, $"{Cm}?watch=1&resourceVersion={Rv(old)}");
        Assert.Equal("ERROR", WatchClient.Type((await watch.NextAsync())!));
    }

    [Fact]
    public async Task BookmarksArriveWithTheLatestResourceVersion()
    {
        await using var f = await ServerFixture.StartAsync(new ApiServerOptions { BookmarkInterval = TimeSpan.FromMilliseconds(200) });
        await using var watch = await WatchClient.OpenAsync(f.Http, $"{Cm}?watch=1&allowWatchBookmarks=true&resourceVersion={Rv(f.Server.Store.CurrentResourceVersion)}");
        await f.CreateAsync("/api/v1/namespaces/default/pods", ServerFixture.Pod("unrelated"));
        JsonObject? bookmark;
        do
        {
            bookmark = await watch.NextAsync(TimeSpan.FromSeconds(5));
        }
        while (bookmark is not null && WatchClient.Type(bookmark) != "BOOKMARK");

        Assert.NotNull(bookmark);
        Assert.Equal("ConfigMap", (string?)bookmark!["object"]!["kind"]);
        Assert.Equal(f.Server.Store.CurrentResourceVersion, long.Parse(ServerFixture.Rv((JsonObject)bookmark["object"]!), CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task NoBookmarksUnlessAskedFor()
    {
        await using var f = await ServerFixture.StartAsync(new ApiServerOptions { BookmarkInterval = TimeSpan.FromMilliseconds(100) });
        await using var watch = await WatchClient.OpenAsync(f.Http, $"{Cm}?watch=1&resourceVersion={Rv(f.Server.Store.CurrentResourceVersion)}&timeoutSeconds=1");
        Assert.Null(await watch.NextAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task TimeoutSecondsEndsTheStream()
    {
        await using var f = await ServerFixture.StartAsync();
        var started = DateTime.UtcNow;
        await using var watch = await WatchClient.OpenAsync(f.Http, $"{Cm}?watch=1&timeoutSeconds=1&resourceVersion={Rv(f.Server.Store.CurrentResourceVersion)}");
        Assert.True(await watch.EndsWithinAsync(TimeSpan.FromSeconds(5)));
        Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromMilliseconds(900), TimeSpan.FromSeconds(5));
        Assert.Equal(0, f.Server.Store.OpenWatchCount);
    }

    [Fact]
    public async Task LabelSelectorWatchSeesObjectsEnterAndLeave()
    {
        await using var f = await ServerFixture.StartAsync();
        var cm = await f.CreateAsync(Cm, ServerFixture.ConfigMap("moving"));
        await using var watch = await WatchClient.OpenAsync(f.Http, $"{Cm}?watch=1&labelSelector=app%3Dweb&resourceVersion={ServerFixture.Rv(cm)}");
        await f.PatchAsync(Cm + "/moving", JsonNode.Parse("""{"metadata":{"labels":{"app":"web"}}}""")!, "application/merge-patch+json");
        await f.PatchAsync(Cm + "/moving", JsonNode.Parse("""{"data":{"k":"2"}}""")!, "application/merge-patch+json");
        var (_, left) = await f.PatchAsync(Cm + "/moving", JsonNode.Parse("""{"metadata":{"labels":{"app":"db"}}}""")!, "application/merge-patch+json");
        await f.CreateAsync(Cm, ServerFixture.ConfigMap("never-matches"));
        var events = await watch.TakeAsync(3);
        Assert.Equal(["ADDED", "MODIFIED", "DELETED"], events.Select(WatchClient.Type));
        var deleted = (JsonObject)events[2]["object"]!;
        Assert.Equal(ServerFixture.Rv(left), ServerFixture.Rv(deleted));
        Assert.Equal("web", (string?)deleted["metadata"]!["labels"]!["app"]);
    }

    [Fact]
    public async Task FieldSelectorWatchOnOneName()
    {
        await using var f = await ServerFixture.StartAsync();
        await f.CreateAsync(Cm, ServerFixture.ConfigMap("x"));
        await f.CreateAsync(Cm, ServerFixture.ConfigMap("y"));
        await using var watch = await WatchClient.OpenAsync(f.Http, $"{Cm}?watch=1&fieldSelector=metadata.name%3Dy");
        var first = await watch.NextAsync();
        Assert.Equal("y", WatchClient.Name(first!));
        await f.DeleteAsync(Cm + "/x");
        await f.DeleteAsync(Cm + "/y");
        var next = await watch.NextAsync();
        Assert.Equal("DELETED", WatchClient.Type(next!));
        Assert.Equal("y", WatchClient.Name(next!));
    }

    [Fact]
    public async Task NamespaceScopedWatchIgnoresOtherNamespacesAndAllNamespacesWatchSeesBoth()
    {
        await using var f = await ServerFixture.StartAsync();
        var from = Rv(f.Server.Store.CurrentResourceVersion);
        await using var scoped = await WatchClient.OpenAsync(f.Http, $"/api/v1/namespaces/kube-system/configmaps?watch=1&resourceVersion={from}");
        await using var all = await WatchClient.OpenAsync(f.Http, $"/api/v1/configmaps?watch=1&resourceVersion={from}");
        await f.CreateAsync(Cm, ServerFixture.ConfigMap("in-default"));
        await f.CreateAsync("/api/v1/namespaces/kube-system/configmaps", ServerFixture.ConfigMap("in-system"));
        Assert.Equal("in-system", WatchClient.Name((await scoped.NextAsync())!));
        Assert.Equal(["in-default", "in-system"], (await all.TakeAsync(2)).Select(WatchClient.Name));
    }

    [Fact]
    public async Task DroppingAllWatchesEndsTheirStreams()
    {
        await using var f = await ServerFixture.StartAsync();
        await using var watch = await WatchClient.OpenAsync(f.Http, $"{Cm}?watch=1&resourceVersion={Rv(f.Server.Store.CurrentResourceVersion)}");
        await WaitForAsync(() => f.Server.Store.OpenWatchCount == 1);
        Assert.Equal(1, f.Server.Store.DropAllWatches());
        Assert.True(await watch.EndsWithinAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task ConcurrentWritersReachEveryWatcherInOrderWithoutLossOrDuplicates()
    {
        await using var f = await ServerFixture.StartAsync();
        var from = f.Server.Store.CurrentResourceVersion;
        var watchers = new List<WatchClient>();
        for (var i = 0; i < 3; i++)
        {
            watchers.Add(await WatchClient.OpenAsync(f.Http, $"{Cm}?watch=1&resourceVersion={Rv(from)}"));
        }

        const int Writers = 4;
        const int PerWriter = 50;
        var cms = f.Server.Resources.Get(new GroupResource(string.Empty, "configmaps"));
        await Task.WhenAll(Enumerable.Range(0, Writers).Select(w => Task.Run(() =>
        {
            for (var i = 0; i < PerWriter; i++)
            {
                f.Server.Store.Create(cms, ServerFixture.ConfigMap($"w{w}-{i}"), "default");
            }
        })));

        foreach (var watcher in watchers)
        {
            var events = await watcher.TakeAsync(Writers * PerWriter);
            var rvs = events.Select(e => long.Parse(ServerFixture.Rv((JsonObject)e["object"]!), CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(Enumerable.Range(1, Writers * PerWriter).Select(i => from + i), rvs);
            Assert.Equal(Writers * PerWriter, events.Select(WatchClient.Name).Distinct().Count());
            await watcher.DisposeAsync();
        }
    }

    [Fact]
    public async Task WatchOnANamedObjectPathSeesOnlyThatObject()
    {
        await using var f = await ServerFixture.StartAsync();
        var from = Rv(f.Server.Store.CurrentResourceVersion);
        await using var watch = await WatchClient.OpenAsync(f.Http, $"{Cm}/target?watch=1&resourceVersion={from}");
        await f.CreateAsync(Cm, ServerFixture.ConfigMap("other"));
        await f.CreateAsync(Cm, ServerFixture.ConfigMap("target"));
        Assert.Equal("target", WatchClient.Name((await watch.NextAsync())!));
    }

    [Fact]
    public async Task SendInitialEventsEndsTheInitialStateWithAnAnnotatedBookmark()
    {
        await using var f = await ServerFixture.StartAsync();
        await f.CreateAsync(Cm, ServerFixture.ConfigMap("a"));
        await f.CreateAsync(Cm, ServerFixture.ConfigMap("b"));
        await using var watch = await WatchClient.OpenAsync(f.Http, $"{Cm}?watch=1&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan");
        var events = await watch.TakeAsync(3);
        Assert.Equal(["ADDED", "ADDED", "BOOKMARK"], events.Select(WatchClient.Type));
        Assert.Equal("true", (string?)events[2]["object"]!["metadata"]!["annotations"]!["k8s.io/initial-events-end"]);
        Assert.Equal(ServerFixture.Rv((JsonObject)events[1]["object"]!), ServerFixture.Rv((JsonObject)events[2]["object"]!));

        var (code, _) = await f.GetAsync($"{Cm}?watch=1&sendInitialEvents=true");
        Assert.Equal((HttpStatusCode)422, code);
    }

    [Fact]
    public async Task WatchInAnotherServedVersionRewritesApiVersion()
    {
        await using var f = await ServerFixture.StartAsync();
        await f.CreateCrdAsync("kubevirt.io", "virtualmachines", "VirtualMachine", namespaced: true, status: true, "v1", "v1alpha3");
        await using var watch = await WatchClient.OpenAsync(f.Http, $"/apis/kubevirt.io/v1alpha3/namespaces/default/virtualmachines?watch=1&resourceVersion={Rv(f.Server.Store.CurrentResourceVersion)}");
        await f.CreateAsync("/apis/kubevirt.io/v1/namespaces/default/virtualmachines", ServerFixture.Custom("kubevirt.io/v1", "VirtualMachine", "vm"));
        var e = await watch.NextAsync();
        Assert.Equal("kubevirt.io/v1alpha3", (string?)e!["object"]!["apiVersion"]);
    }

    [Fact]
    public async Task TableWatchWrapsEachObjectInATableRow()
    {
        await using var f = await ServerFixture.StartAsync();
        await f.CreateAsync(Cm, ServerFixture.ConfigMap("t"));
        using var request = new HttpRequestMessage(HttpMethod.Get, Cm + "?watch=1");
        request.Headers.TryAddWithoutValidation("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io");
        using var response = await f.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var e = JsonNode.Parse((await reader.ReadLineAsync(cts.Token))!)!;
        Assert.Equal("ADDED", (string?)e["type"]);
        Assert.Equal("Table", (string?)e["object"]!["kind"]);
        Assert.Equal("t", (string?)e["object"]!["rows"]![0]!["cells"]![0]);
    }

    internal static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 5s");
            await Task.Delay(20);
        }
    }
}
