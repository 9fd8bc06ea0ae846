using VmNet.Controller.Runtime.Informers;
using VmNet.Controller.Runtime.Kube;
using VmNet.Kube;
using VmNet.Kube.Models;

namespace VmNet.Controller.Tests.Runtime;

/// <summary>
/// Random sequences of pod creates, updates and deletes mixed with watch drops, compactions that force a
/// 410 re-list, and server restarts, against the in-process API server: afterwards the cache equals the
/// server and the notifications rebuild the same state with nothing lost or duplicated.
/// </summary>
public class KubeInformerPropertyTests
{
    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    [InlineData(13)]
    [InlineData(14)]
    public async Task CacheEqualsServerAfterRandomOperationsAndFaults(int seed)
    {
        var random = new Random(seed);
        await using var api = await ApiServerHarness.StartAsync();
        var live = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < 8; i++)
        {
            await api.CreatePodAsync("default", $"p{i}");
            live.Add($"p{i}");
        }

        var informer = KubeInformers.Create(api.Client, KubeResources.Pods, options: new SharedInformerOptions<V1Pod>
        {
            BackoffInitial = TimeSpan.FromMilliseconds(5),
            BackoffMax = TimeSpan.FromMilliseconds(50),
            MinWatchDuration = TimeSpan.Zero,
            WatchFailuresBeforeRelist = seed % 2 == 0 ? int.MaxValue : 3,
        });
        var handler = new RecordingHandler<V1Pod>(KubeObjectMeta<V1Pod>.Instance);
        informer.AddEventHandler(handler);
        using var cts = new CancellationTokenSource();
        var run = Task.Run(() => informer.RunAsync(cts.Token));
        await informer.WaitForCacheSyncAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        for (var step = 0; step < 120; step++)
        {
            switch (random.Next(100))
            {
                case < 60:
                    await MutateAsync(api, random, live, step);
                    break;
                case < 75:
                    api.Server.Store.DropAllWatches();
                    break;
                case < 90:
                    api.FailWatches("pods");
                    api.Server.Store.DropAllWatches();
                    for (var burst = random.Next(1, 5); burst > 0; burst--)
                    {
                        await MutateAsync(api, random, live, step);
                    }

                    api.Server.Store.CompactHistory();
                    api.Server.Controls.ClearFaults();
                    break;
                case < 93:
                    await api.Server.RestartAsync();
                    break;
                default:
                    await Task.Delay(random.Next(1, 10));
                    break;
            }
        }

        var expected = await api.PodVersionsAsync();
        await handler.WaitUntilAsync(
            h => h.VersionsByKey().Count == expected.Count && expected.All(kv => h.VersionsByKey().GetValueOrDefault(kv.Key) == kv.Value),
            TimeSpan.FromSeconds(30));
        Assert.Empty(handler.Violations);
        Assert.Equal(
            expected.OrderBy(kv => kv.Key, StringComparer.Ordinal),
            informer.Indexer.List().Select(p => KeyValuePair.Create($"{p.Metadata!.Namespace}/{p.Metadata.Name}", p.Metadata.ResourceVersion)).OrderBy(kv => kv.Key, StringComparer.Ordinal));
        await cts.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(30));
    }

    private static async Task MutateAsync(ApiServerHarness api, Random random, HashSet<string> live, int step)
    {
        var name = $"p{random.Next(16)}";
        var choice = random.Next(3);
        if (!live.Contains(name))
        {
            await DriveAsync(() => api.CreatePodAsync("default", name), () => ExistsAsync(api, name));
            live.Add(name);
        }
        else if (choice == 0)
        {
            await DriveAsync(() => api.Client.DeleteAsync<V1Pod>("default", name), async () => !await ExistsAsync(api, name));
            live.Remove(name);
        }
        else
        {
            await DriveAsync(() => api.AnnotatePodAsync("default", name, $"s{step}"), () => Task.FromResult(false));
        }
    }

    /// <summary>
    /// The test's own writes, not the informer under test: a write whose connection broke around a server restart
    /// (a pooled connection the old server closed) may or may not have applied, as a client sees it; the driver checks
    /// and repeats it, so the sequence of operations stays what the seed chose.
    /// </summary>
    private static async Task DriveAsync(Func<Task> write, Func<Task<bool>> applied)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await write();
                return;
            }
            catch (KubeConnectionException) when (attempt < 5)
            {
                if (await applied())
                {
                    return;
                }
            }
        }
    }

    private static async Task<bool> ExistsAsync(ApiServerHarness api, string name) =>
        (await api.PodVersionsAsync()).ContainsKey("default/" + name);
}
