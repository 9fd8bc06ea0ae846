using VmNet.Controller.Runtime.Queue;

namespace VmNet.Controller.Tests.Runtime;

public class DelayingWorkQueueTests
{
    [Fact]
    public void DelayedAddsFireWhenDueInReadyOrder()
    {
        var clock = new ManualTimeProvider();
        using var queue = new DelayingWorkQueue<string>(clock);
        queue.AddAfter("c", TimeSpan.FromSeconds(3));
        queue.AddAfter("a", TimeSpan.FromSeconds(1));
        queue.AddAfter("b", TimeSpan.FromSeconds(2));
        queue.AddAfter("b2", TimeSpan.FromSeconds(2));
        Assert.Equal(0, queue.Count);
        Assert.Equal(4, queue.WaitingCount);

        clock.Advance(TimeSpan.FromMilliseconds(999));
        Assert.Equal(0, queue.Count);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, queue.Count);
        clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(4, queue.Count);
        Assert.Equal(["a", "b", "b2", "c"], Drain(queue));
    }

    [Fact]
    public void ReAddingAWaitingItemKeepsTheEarlierTime()
    {
        var clock = new ManualTimeProvider();
        using var queue = new DelayingWorkQueue<string>(clock);
        queue.AddAfter("a", TimeSpan.FromSeconds(10));
        queue.AddAfter("a", TimeSpan.FromSeconds(2));
        queue.AddAfter("a", TimeSpan.FromSeconds(5));
        Assert.Equal(1, queue.WaitingCount);
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(1, queue.Count);
        Assert.Equal(0, queue.WaitingCount);
        clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(["a"], Drain(queue));
    }

    [Fact]
    public void NonPositiveDelayAddsAtOnce()
    {
        using var queue = new DelayingWorkQueue<string>(new ManualTimeProvider());
        queue.AddAfter("a", TimeSpan.Zero);
        queue.AddAfter("b", TimeSpan.FromSeconds(-1));
        Assert.Equal(2, queue.Count);
    }

    [Fact]
    public void ShutDownDropsWaitingItems()
    {
        var clock = new ManualTimeProvider();
        using var queue = new DelayingWorkQueue<string>(clock);
        queue.AddAfter("a", TimeSpan.FromSeconds(1));
        queue.ShutDown();
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(0, queue.Count);
        Assert.Equal(0, queue.WaitingCount);
    }

    [Fact]
    public async Task DelayedAddFiresOnTheSystemClock()
    {
        using var queue = new DelayingWorkQueue<string>();
        var started = TimeProvider.System.GetTimestamp();
        queue.AddAfter("a", TimeSpan.FromMilliseconds(100));
        var item = await queue.GetAsync(CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("a", item.Item);
        Assert.True(TimeProvider.System.GetElapsedTime(started) >= TimeSpan.FromMilliseconds(90));
    }

    private static List<string> Drain(WorkQueue<string> queue)
    {
        var items = new List<string>();
        while (queue.Count > 0)
        {
            var next = queue.GetAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
            items.Add(next.Item);
            queue.Done(next.Item);
        }

        return items;
    }
}
