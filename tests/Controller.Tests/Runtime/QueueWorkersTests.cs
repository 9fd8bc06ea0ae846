using System.Collections.Concurrent;
using VmNet.Controller.Runtime.Queue;

namespace VmNet.Controller.Tests.Runtime;

public class QueueWorkersTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task FailingKeyIsRetriedWithBackoffAndForgottenOnSuccess()
    {
        using var queue = new RateLimitingWorkQueue<string>(
            new ItemExponentialFailureRateLimiter<string>(TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(20)));
        var attempts = 0;
        var succeeded = new TaskCompletionSource<int>();
        var workers = new QueueWorkers<string>(queue, (key, _) =>
        {
            var attempt = Interlocked.Increment(ref attempts);
            if (attempt == 1)
            {
                throw new InvalidOperationException("transient");
            }

            if (attempt < 4)
            {
                return Task.FromResult(ReconcileResult.Requeue);
            }

            succeeded.TrySetResult(queue.NumRequeues(key));
            return Task.FromResult(ReconcileResult.Success);
        });
        using var cts = new CancellationTokenSource();
        var run = workers.RunAsync(2, cts.Token);
        queue.Add("a");
        Assert.Equal(3, await succeeded.Task.WaitAsync(Timeout));
        queue.ShutDown();
        await run.WaitAsync(Timeout);
        Assert.Equal(0, queue.NumRequeues("a"));
        Assert.Equal(4, attempts);
    }

    [Fact]
    public async Task RequeueAfterComesBackAfterTheDelay()
    {
        var clock = new ManualTimeProvider();
        using var queue = new RateLimitingWorkQueue<string>(timeProvider: clock);
        var calls = new ConcurrentQueue<DateTimeOffset>();
        var workers = new QueueWorkers<string>(queue, (_, _) =>
        {
            calls.Enqueue(clock.GetUtcNow());
            return Task.FromResult(calls.Count == 1 ? ReconcileResult.RequeueAfter(TimeSpan.FromMinutes(1)) : ReconcileResult.Success);
        });
        queue.Add("a");
        Assert.True(await workers.ProcessNextAsync(CancellationToken.None));
        Assert.Equal(1, queue.WaitingCount);
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.True(await workers.ProcessNextAsync(CancellationToken.None));
        Assert.Equal([TimeSpan.Zero, TimeSpan.FromMinutes(1)], calls.Select(c => c - calls.First()));
        queue.ShutDown();
        Assert.False(await workers.ProcessNextAsync(CancellationToken.None));
    }

    [Fact]
    public async Task ManyWorkersNeverReconcileTheSameKeyConcurrently()
    {
        using var queue = new RateLimitingWorkQueue<int>(
            new ItemExponentialFailureRateLimiter<int>(TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(5)));
        var inFlight = new ConcurrentDictionary<int, int>();
        var violations = 0;
        var reconciles = 0;
        var random = new Random(42);
        var workers = new QueueWorkers<int>(queue, async (key, ct) =>
        {
            if (inFlight.AddOrUpdate(key, 1, (_, n) => n + 1) != 1)
            {
                Interlocked.Increment(ref violations);
            }

            await Task.Delay(Random.Shared.Next(0, 2), ct);
            inFlight.AddOrUpdate(key, 0, (_, n) => n - 1);
            return Interlocked.Increment(ref reconciles) % 5 == 0 ? ReconcileResult.Requeue : ReconcileResult.Success;
        });
        using var cts = new CancellationTokenSource();
        var run = workers.RunAsync(12, cts.Token);
        for (var i = 0; i < 3000; i++)
        {
            queue.Add(random.Next(10));
            if (i % 100 == 0)
            {
                await Task.Yield();
            }
        }

        await Task.Delay(100);
        await queue.ShutDownWithDrainAsync(CancellationToken.None).WaitAsync(Timeout);
        await run.WaitAsync(Timeout);
        Assert.Equal(0, violations);
        Assert.True(reconciles > 10);
    }
}
