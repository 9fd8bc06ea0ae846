using VmNet.Controller.Runtime.Informers;

namespace VmNet.Controller.Tests.Runtime;

/// <summary>
/// Random sequences of creates, updates, deletes, watch drops, compactions (forcing 410 re-lists) and
/// bookmarks: afterwards the cache equals the server, and the notifications replayed in order rebuild the
/// same state without any duplicate or lost event.
/// </summary>
public class InformerConsistencyPropertyTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public async Task CacheAndNotificationsMatchServerAfterRandomOperations(int seed)
    {
        var random = new Random(seed);
        var server = new FakeListWatcher { ExpireWithErrorEvent = seed % 2 == 0 };
        for (var i = 0; i < 10; i++)
        {
            server.Upsert("ns", $"o{i}", "0");
        }

        var informer = new SharedInformer<FakeObject>(server, FakeObject.Meta, new SharedInformerOptions<FakeObject>
        {
            BackoffInitial = TimeSpan.FromMilliseconds(1),
            BackoffMax = TimeSpan.FromMilliseconds(20),
            MinWatchDuration = TimeSpan.Zero,
        });
        var handler = new RecordingHandler<FakeObject>(FakeObject.Meta);
        informer.AddEventHandler(handler);
        using var cts = new CancellationTokenSource();
        var run = Task.Run(() => informer.RunAsync(cts.Token));
        await informer.WaitForCacheSyncAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20));

        for (var step = 0; step < 400; step++)
        {
            var name = $"o{random.Next(25)}";
            switch (random.Next(100))
            {
                case < 50:
                    server.Upsert(random.Next(3) == 0 ? "other" : "ns", name, step.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    break;
                case < 75:
                    server.Delete("ns", name);
                    break;
                case < 83:
                    server.DropWatches();
                    break;
                case < 88:
                    server.PauseWatches();
                    server.DropWatches();
                    for (var burst = random.Next(1, 6); burst > 0; burst--)
                    {
                        if (random.Next(2) == 0)
                        {
                            server.Upsert("ns", $"o{random.Next(25)}", $"b{step}");
                        }
                        else
                        {
                            server.Delete("ns", $"o{random.Next(25)}");
                        }
                    }

                    server.Compact();
                    server.ResumeWatches();
                    break;
                case < 93:
                    server.Bookmark();
                    break;
                default:
                    await Task.Delay(random.Next(3));
                    break;
            }
        }

        var expected = server.Snapshot().ToDictionary(kv => kv.Key, kv => (string?)kv.Value.ResourceVersion);
        await handler.WaitUntilAsync(h => SameVersions(h.VersionsByKey(), expected) && SameVersions(CacheVersions(informer), expected));
        await cts.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Empty(handler.Violations);
        Assert.True(informer.ListCount >= 1);
    }

    private static Dictionary<string, string?> CacheVersions(SharedInformer<FakeObject> informer) =>
        informer.Indexer.List().ToDictionary(o => o.Key, o => (string?)o.ResourceVersion);

    private static bool SameVersions(Dictionary<string, string?> actual, Dictionary<string, string?> expected) =>
        actual.Count == expected.Count && expected.All(kv => actual.TryGetValue(kv.Key, out var v) && v == kv.Value);
}
