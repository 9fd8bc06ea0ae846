using Microsoft.AspNetCore.Http;
using VmNet.Kube.Models;
using VmNet.Kube.Tests.Support;

namespace VmNet.Kube.Tests;

public class WatchTests
{
    private static string PodEvent(string type, string name, string rv) => $$$$"""{"type":"{{{{type}}}}","object":{{{{Respond.Pod("default", name, rv)}}}}}""";

    private static Func<HttpContext, Task> Stream(params string[] chunks) => Stream(null, chunks);

    /// <summary>Writes each chunk and flushes it (so the client sees separate reads), then ends or aborts.</summary>
    private static Func<HttpContext, Task> Stream(Action<HttpContext>? end, params string[] chunks) => async ctx =>
    {
        ctx.Response.ContentType = "application/json";
        foreach (var chunk in chunks)
        {
            await ctx.Response.WriteAsync(chunk);
            await ctx.Response.Body.FlushAsync();
            await Task.Delay(20);
        }

        end?.Invoke(ctx);
    };

    private static async Task<List<WatchEvent<T>>> CollectAsync<T>(IAsyncEnumerable<WatchEvent<T>> events)
        where T : class
    {
        var list = new List<WatchEvent<T>>();
        await foreach (var e in events)
        {
            list.Add(e);
        }

        return list;
    }

    [Fact]
    public async Task WatchParsesEventsAndBookmarksAndSendsWatchParameters()
    {
        await using var server = await StubApiServer.StartAsync(Stream(
            PodEvent("ADDED", "a", "10") + "\n",
            PodEvent("MODIFIED", "a", "11") + "\n" + """{"type":"BOOKMARK","object":{"kind":"Pod","apiVersion":"v1","metadata":{"resourceVersion":"15"}}}""" + "\n",
            PodEvent("DELETED", "a", "16") + "\n"));
        using var client = TestClients.For(server);

        var events = await CollectAsync(client.WatchAsync<V1Pod>("default", new WatchOptions { ResourceVersion = "9", TimeoutSeconds = 30, FieldSelector = "spec.nodeName=node1" }));

        Assert.Equal([WatchEventType.Added, WatchEventType.Modified, WatchEventType.Bookmark, WatchEventType.Deleted], events.Select(e => e.Type));
        Assert.Equal(["10", "11", "15", "16"], events.Select(e => e.Object.Metadata!.ResourceVersion));
        Assert.Equal("a", events[0].Object.Metadata!.Name);
        Assert.Equal("/api/v1/namespaces/default/pods?watch=1&allowWatchBookmarks=true&resourceVersion=9&fieldSelector=spec.nodeName%3Dnode1&timeoutSeconds=30", server.Requests[0].PathAndQuery);
    }

    [Fact]
    public async Task EventSplitAcrossReadsIsReassembled()
    {
        var line = PodEvent("ADDED", "split", "3") + "\n";
        await using var server = await StubApiServer.StartAsync(Stream(line[..17], line[17..50], line[50..] + "\r\n\n" + PodEvent("MODIFIED", "split", "4") + "\n"));
        using var client = TestClients.For(server);

        var events = await CollectAsync(client.WatchAsync<V1Pod>("default"));

        Assert.Equal(["3", "4"], events.Select(e => e.Object.Metadata!.ResourceVersion));
    }

    [Fact]
    public async Task LargeEventGrowsTheBuffer()
    {
        var big = new string('x', 200_000);
        var line = "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"big\",\"annotations\":{\"blob\":\"" + big + "\"}}}}\n";
        await using var server = await StubApiServer.StartAsync(Stream(line));
        using var client = TestClients.For(server);

        var events = await CollectAsync(client.WatchAsync<V1Node>(null));

        Assert.Equal(big, Assert.Single(events).Object.Metadata!.Annotations!["blob"]);
        Assert.Equal("/api/v1/nodes?watch=1&allowWatchBookmarks=true", server.Requests[0].PathAndQuery);
    }

    [Fact]
    public async Task ExpiredResourceVersionErrorEventRaisesGone()
    {
        await using var server = await StubApiServer.StartAsync(Stream(
            PodEvent("ADDED", "a", "10") + "\n",
            """{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 9 (12)","reason":"Expired","code":410}}""" + "\n"));
        using var client = TestClients.For(server);

        var seen = new List<string>();
        var e = await Assert.ThrowsAsync<KubeGoneException>(async () =>
        {
            await foreach (var ev in client.WatchAsync<V1Pod>("default", new WatchOptions { ResourceVersion = "9" }))
            {
                seen.Add(ev.Object.Metadata!.Name!);
            }
        });

        Assert.Equal(["a"], seen);
        Assert.Equal("Expired", e.Reason);
        Assert.Contains("too old resource version: 9 (12)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OtherErrorEventRaisesTypedApiError()
    {
        await using var server = await StubApiServer.StartAsync(Stream(
            """{"type":"ERROR","object":{"kind":"Status","status":"Failure","message":"internal error","reason":"InternalError","code":500}}""" + "\n"));
        using var client = TestClients.For(server);

        var e = await Assert.ThrowsAsync<KubeServerErrorException>(() => CollectAsync(client.WatchAsync<V1Pod>("default")));

        Assert.Equal("InternalError", e.Reason);
    }

    [Fact]
    public async Task GoneAtWatchStartRaisesGone()
    {
        await using var server = await StubApiServer.StartAsync(ctx => Respond.Status(ctx, 410, "Expired", "too old resource version: 1 (50)"));
        using var client = TestClients.For(server);

        await Assert.ThrowsAsync<KubeGoneException>(() => CollectAsync(client.WatchAsync<V1Pod>("default", new WatchOptions { ResourceVersion = "1" })));
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task StreamCutMidLineEndsTheWatchAfterTheCompleteEvents()
    {
        var partial = PodEvent("MODIFIED", "a", "12");
        await using var server = await StubApiServer.StartAsync(Stream(ctx => ctx.Abort(),
            PodEvent("ADDED", "a", "11") + "\n",
            partial[..(partial.Length / 2)]));
        using var client = TestClients.For(server);

        var events = await CollectAsync(client.WatchAsync<V1Pod>("default"));

        var only = Assert.Single(events);
        Assert.Equal("11", only.Object.Metadata!.ResourceVersion);
    }

    [Fact]
    public async Task StreamClosedCleanlyMidLineAlsoEndsTheWatch()
    {
        var partial = PodEvent("MODIFIED", "a", "12");
        await using var server = await StubApiServer.StartAsync(Stream(PodEvent("ADDED", "a", "11") + "\n", partial[..20]));
        using var client = TestClients.For(server);

        var events = await CollectAsync(client.WatchAsync<V1Pod>("default"));

        Assert.Single(events);
    }

    [Fact]
    public async Task MalformedCompleteLineIsAProtocolError()
    {
        await using var server = await StubApiServer.StartAsync(Stream("{\"type\":\"ADDED\",\"object\":{\"metadata\":\n"));
        using var client = TestClients.For(server);

        var e = await Assert.ThrowsAsync<KubeProtocolException>(() => CollectAsync(client.WatchAsync<V1Pod>("default")));

        Assert.Contains("malformed event", e.Message, StringComparison.Ordinal);
        Assert.Contains("{\"type\":\"ADDED\"", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownEventTypeIsAProtocolError()
    {
        await using var server = await StubApiServer.StartAsync(Stream("""{"type":"RENAMED","object":{"metadata":{"name":"a"}}}""" + "\n"));
        using var client = TestClients.For(server);

        var e = await Assert.ThrowsAsync<KubeProtocolException>(() => CollectAsync(client.WatchAsync<V1Pod>("default")));

        Assert.Contains("unknown event type 'RENAMED'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CancellingAnOpenWatchStopsIt()
    {
        await using var server = await StubApiServer.StartAsync(async ctx =>
        {
            await ctx.Response.WriteAsync(PodEvent("ADDED", "a", "1") + "\n");
            await ctx.Response.Body.FlushAsync();
            await Task.Delay(TimeSpan.FromSeconds(30), ctx.RequestAborted);
        });
        using var client = TestClients.For(server);
        using var cts = new CancellationTokenSource();

        var seen = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in client.WatchAsync<V1Pod>("default", cancellationToken: cts.Token))
            {
                seen++;
                await cts.CancelAsync();
            }
        });

        Assert.Equal(1, seen);
    }

    [Fact]
    public async Task WatchOutlivesTheRequestTimeout()
    {
        // The attempt timeout bounds the wait for headers only; a watch streams for as long as the server keeps it.
        await using var server = await StubApiServer.StartAsync(async ctx =>
        {
            for (var i = 1; i <= 4; i++)
            {
                await ctx.Response.WriteAsync(PodEvent("MODIFIED", "a", i.ToString(System.Globalization.CultureInfo.InvariantCulture)) + "\n");
                await ctx.Response.Body.FlushAsync();
                await Task.Delay(300);
            }
        });
        using var client = TestClients.For(server, TestClients.FastRetries with { RequestTimeout = TimeSpan.FromMilliseconds(600) });

        var events = await CollectAsync(client.WatchAsync<V1Pod>("default"));

        Assert.Equal(["1", "2", "3", "4"], events.Select(e => e.Object.Metadata!.ResourceVersion));
    }
}
