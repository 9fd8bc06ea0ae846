using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace VmNet.ApiServer.Tests;

public class PerformanceTests(ITestOutputHelper output)
{
    private const int PodCount = 10_000;

    [Fact]
    public async Task TenThousandPodsListAndTenThousandUpdatesWatchQuickly()
    {
        await using var f = await ServerFixture.StartAsync();
        var pods = f.Server.Resources.Get(new GroupResource(string.Empty, "pods"));
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < PodCount; i++)
        {
            f.Server.Store.Create(pods, ServerFixture.Pod($"pod-{i:D5}", new Dictionary<string, string> { ["app"] = i % 2 == 0 ? "even" : "odd" }, $"node-{i % 50}"), "default");
        }

        var createMs = clock.Elapsed.TotalMilliseconds;

        // The first list pays for JIT and the connection; the second is the steady state.
        var listMs = new double[2];
        for (var round = 0; round < 2; round++)
        {
            clock.Restart();
            using var response = await f.Http.GetAsync("/api/v1/pods");
            using var doc = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync());
            Assert.Equal(PodCount, doc.RootElement.GetProperty("items").GetArrayLength());
            listMs[round] = clock.Elapsed.TotalMilliseconds;
        }

        clock.Restart();
        var paged = 0;
        string? token = null;
        do
        {
            using var response = await f.Http.GetAsync("/api/v1/namespaces/default/pods?limit=500&labelSelector=app%3Deven" + (token is null ? string.Empty : "&continue=" + Uri.EscapeDataString(token)));
            using var doc = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync());
            paged += doc.RootElement.GetProperty("items").GetArrayLength();
            token = doc.RootElement.GetProperty("metadata").TryGetProperty("continue", out var c) ? c.GetString() : null;
        }
        while (token is not null);

        Assert.Equal(PodCount / 2, paged);
        var pagedMs = clock.Elapsed.TotalMilliseconds;

        await using var watch = await WatchClient.OpenAsync(f.Http, $"/api/v1/pods?watch=1&resourceVersion={f.Server.Store.CurrentResourceVersion.ToString(CultureInfo.InvariantCulture)}");
        clock.Restart();
        var writer = Task.Run(() =>
        {
            for (var i = 0; i < PodCount; i++)
            {
                f.Server.Store.Patch(pods, "default", $"pod-{i:D5}", PatchKind.Merge, """{"metadata":{"annotations":{"touched":"yes"}}}""", statusOnly: false);
            }
        });
        var received = 0;
        while (received < PodCount)
        {
            var e = await watch.NextAsync(TimeSpan.FromSeconds(30));
            Assert.Equal("MODIFIED", WatchClient.Type(e!));
            received++;
        }

        await writer;
        var watchMs = clock.Elapsed.TotalMilliseconds;

        output.WriteLine($"BENCH apiserver_create_10k_pods {createMs:F0} ms");
        output.WriteLine($"BENCH apiserver_list_10k_pods_cold {listMs[0]:F0} ms");
        output.WriteLine($"BENCH apiserver_list_10k_pods {listMs[1]:F0} ms");
        output.WriteLine($"BENCH apiserver_paged_list_5k_of_10k_pods {pagedMs:F0} ms");
        output.WriteLine($"BENCH apiserver_watch_10k_updates {watchMs:F0} ms");
        Assert.True(listMs[1] < 5_000, $"listing {PodCount} pods took {listMs[1]:F0} ms");
        Assert.True(watchMs < 30_000, $"{PodCount} watched updates took {watchMs:F0} ms");
    }
}
