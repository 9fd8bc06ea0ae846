using VmNet.Controller.Runtime.Queue;

namespace VmNet.Controller.Tests.Runtime;

public class WorkQueueTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task KeyAddedWhileQueuedIsStoredOnce()
    {
        using var queue = new WorkQueue<string>();
        queue.Add("a");
        queue.Add("b");
        queue.Add("a");
        Assert.Equal(2, queue.Count);
        Assert.Equal("a", (await queue.GetAsync(CancellationToken.None)).Item);
        Assert.Equal("b", (await queue.GetAsync(CancellationToken.None)).Item);
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public async Task KeyAddedWhileProcessingIsRequeuedOnlyAfterDone()
    {
        using var queue = new WorkQueue<string>();
        queue.Add("a");
        var first = await queue.GetAsync(CancellationToken.None);
        queue.Add("a");
        queue.Add("a");
        Assert.Equal(0, queue.Count);

        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await queue.GetAsync(cts.Token));

        queue.Done(first.Item);
        Assert.Equal(1, queue.Count);
        var second = await queue.GetAsync(CancellationToken.None).AsTask().WaitAsync(Timeout);
        Assert.Equal("a", second.Item);
        queue.Done("a");
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public async Task WaitingGetIsWokenByAdd()
    {
        using var queue = new WorkQueue<int>();
        var pending = queue.GetAsync(CancellationToken.None).AsTask();
        Assert.False(pending.IsCompleted);
        queue.Add(7);
        Assert.Equal(7, (await pending.WaitAsync(Timeout)).Item);
    }

    [Fact]
    public async Task CancelledGetDoesNotStrandAnItem()
    {
        using var queue = new WorkQueue<int>();
        using var cts = new CancellationTokenSource();
        var cancelled = queue.GetAsync(cts.Token).AsTask();
        var other = queue.GetAsync(CancellationToken.None).AsTask();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        queue.Add(1);
        Assert.Equal(1, (await other.WaitAsync(Timeout)).Item);
    }

    [Fact]
    public async Task SameKeyIsNeverProcessedByTwoWorkersAtOnceAndNoAddIsLost()
    {
        using var queue = new WorkQueue<int>();
        var active = new int[8];
        var processed = new int[8];

        // Each add bumps the key's version first; a worker records the version current when it starts.
        // Level-triggered correctness: the last processing of every key must have started after its last add.
        var addedVersion = new int[8];
        var seenVersion = new int[8];
        var violations = 0;

        async Task Worker()
        {
            while (true)
            {
                var next = await queue.GetAsync(CancellationToken.None);
                if (next.ShutDown)
                {
                    return;
                }

                var key = next.Item;
                if (Interlocked.Increment(ref active[key]) != 1)
                {
                    Interlocked.Increment(ref violations);
                }

                seenVersion[key] = Volatile.Read(ref addedVersion[key]);
                await Task.Yield();
                Thread.SpinWait(Random.Shared.Next(50, 500));
                Interlocked.Increment(ref processed[key]);
                Interlocked.Decrement(ref active[key]);
                queue.Done(key);
            }
        }

        var workers = Enumerable.Range(0, 16).Select(_ => Task.Run(Worker)).ToArray();
        var producers = Enumerable.Range(0, 4).Select(seed => Task.Run(() =>
        {
            var random = new Random(seed);
            for (var i = 0; i < 20_000; i++)
            {
                var key = random.Next(active.Length);
                Interlocked.Increment(ref addedVersion[key]);
                queue.Add(key);
            }
        })).ToArray();
        await Task.WhenAll(producers).WaitAsync(Timeout);
        await queue.ShutDownWithDrainAsync(CancellationToken.None).WaitAsync(Timeout);
        await Task.WhenAll(workers).WaitAsync(Timeout);

        Assert.Equal(0, violations);
        Assert.Equal(addedVersion, seenVersion);
        Assert.All(processed, count => Assert.True(count > 0));
        Assert.Equal(0, queue.Count);
        Assert.Equal(0, queue.ProcessingCount);
    }

    [Fact]
    public async Task ShutDownHandsOutQueuedItemsThenSignalsShutdownAndIgnoresAdds()
    {
        using var queue = new WorkQueue<string>();
        queue.Add("a");
        queue.ShutDown();
        queue.Add("b");
        Assert.Equal(1, queue.Count);
        var first = await queue.GetAsync(CancellationToken.None);
        Assert.False(first.ShutDown);
        Assert.Equal("a", first.Item);
        Assert.True((await queue.GetAsync(CancellationToken.None)).ShutDown);
    }

    [Fact]
    public async Task ShutDownWakesWaitingWorkers()
    {
        using var queue = new WorkQueue<string>();
        var waiting = queue.GetAsync(CancellationToken.None).AsTask();
        queue.ShutDown();
        Assert.True((await waiting.WaitAsync(Timeout)).ShutDown);
    }

    [Fact]
    public async Task ShutDownWithDrainWaitsForInFlightItems()
    {
        using var queue = new WorkQueue<string>();
        queue.Add("a");
        var item = await queue.GetAsync(CancellationToken.None);
        var drain = queue.ShutDownWithDrainAsync(CancellationToken.None);
        await Task.Delay(50);
        Assert.False(drain.IsCompleted);
        queue.Done(item.Item);
        await drain.WaitAsync(Timeout);
    }

    [Fact]
    public async Task ShutDownWithDrainProcessesADirtyInFlightKeyOnceMore()
    {
        using var queue = new WorkQueue<string>();
        queue.Add("a");
        var item = await queue.GetAsync(CancellationToken.None);
        queue.Add("a");
        var drain = queue.ShutDownWithDrainAsync(CancellationToken.None);
        queue.Done(item.Item);
        Assert.False(drain.IsCompleted);
        var again = await queue.GetAsync(CancellationToken.None);
        Assert.Equal("a", again.Item);
        queue.Done(again.Item);
        await drain.WaitAsync(Timeout);
    }
}
