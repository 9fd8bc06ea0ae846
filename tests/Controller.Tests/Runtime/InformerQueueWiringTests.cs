using VmNet.Controller.Runtime.Informers;
using VmNet.Controller.Runtime.Queue;

namespace VmNet.Controller.Tests.Runtime;

/// <summary>An informer feeding a work queue and workers, the shape every VmNet controller takes.</summary>
public class InformerQueueWiringTests
{
    [Fact]
    public async Task EveryChangeReachesTheReconcilerAsAKeyAndTheLastStateIsSeen()
    {
        var server = new FakeListWatcher();
        server.Upsert("ns", "a", "1");
        var informer = new SharedInformer<FakeObject>(server, FakeObject.Meta);
        using var queue = new RateLimitingWorkQueue<string>();
        informer.EnqueueKeysTo(queue);
        using var ownerQueue = new WorkQueue<string>();
        informer.EnqueueTo(ownerQueue, o => o.OwnerUid);

        var seen = new Dictionary<string, string?>();
        var workers = new QueueWorkers<string>(queue, (key, _) =>
        {
            lock (seen)
            {
                seen[key] = informer.Indexer.Get(key)?.Data;
            }

            return Task.FromResult(ReconcileResult.Success);
        });
        using var cts = new CancellationTokenSource();
        var run = Task.Run(() => informer.RunAsync(cts.Token));
        await informer.WaitForCacheSyncAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20));
        var work = workers.RunAsync(4, cts.Token);

        server.Upsert("ns", "a", "2");
        server.Upsert("ns", "b", "1", owner: "owner-1");
        server.Delete("ns", "a");
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            lock (seen)
            {
                if (seen.TryGetValue("ns/a", out var a) && a is null && seen.GetValueOrDefault("ns/b") == "1")
                {
                    break;
                }
            }

            Assert.True(DateTime.UtcNow < deadline, "reconciler did not see the final state");
            await Task.Delay(10);
        }

        // Each handler drains its own buffer, so the owner queue's handler may still be catching up.
        while (ownerQueue.Count < 1)
        {
            Assert.True(DateTime.UtcNow < deadline, "the owner queue never received the owner key");
            await Task.Delay(10);
        }

        await Task.Delay(50);
        Assert.Equal(1, ownerQueue.Count);
        await queue.ShutDownWithDrainAsync(CancellationToken.None);
        await work.WaitAsync(TimeSpan.FromSeconds(20));
        await cts.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(20));
    }
}
