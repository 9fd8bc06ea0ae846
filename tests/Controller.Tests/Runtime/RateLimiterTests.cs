using VmNet.Controller.Runtime.Queue;

namespace VmNet.Controller.Tests.Runtime;

public class RateLimiterTests
{
    [Fact]
    public void ExponentialBackoffDoublesPerItemAndCaps()
    {
        var limiter = new ItemExponentialFailureRateLimiter<string>(TimeSpan.FromMilliseconds(5), TimeSpan.FromSeconds(1));
        var delays = Enumerable.Range(0, 10).Select(_ => limiter.When("a").TotalMilliseconds).ToArray();
        Assert.Equal([5, 10, 20, 40, 80, 160, 320, 640, 1000, 1000], delays);
        Assert.Equal(10, limiter.NumRequeues("a"));
        Assert.Equal(5, limiter.When("b").TotalMilliseconds);
    }

    [Fact]
    public void BackoffSurvivesManyFailuresWithoutOverflow()
    {
        var limiter = new ItemExponentialFailureRateLimiter<string>(TimeSpan.FromMilliseconds(5), TimeSpan.FromMinutes(16));
        for (var i = 0; i < 2000; i++)
        {
            Assert.InRange(limiter.When("a"), TimeSpan.FromMilliseconds(5), TimeSpan.FromMinutes(16));
        }

        Assert.Equal(TimeSpan.FromMinutes(16), limiter.When("a"));
    }

    [Fact]
    public void ForgetResetsBackoff()
    {
        var limiter = new ItemExponentialFailureRateLimiter<string>(TimeSpan.FromMilliseconds(5), TimeSpan.FromSeconds(1));
        limiter.When("a");
        limiter.When("a");
        limiter.When("a");
        limiter.Forget("a");
        Assert.Equal(0, limiter.NumRequeues("a"));
        Assert.Equal(TimeSpan.FromMilliseconds(5), limiter.When("a"));
    }

    [Fact]
    public void BucketLetsBurstThroughThenSpacesByQps()
    {
        var clock = new ManualTimeProvider();
        var bucket = new BucketRateLimiter<string>(qps: 10, burst: 3, clock);
        Assert.Equal(TimeSpan.Zero, bucket.When("a"));
        Assert.Equal(TimeSpan.Zero, bucket.When("b"));
        Assert.Equal(TimeSpan.Zero, bucket.When("c"));
        Assert.Equal(TimeSpan.FromMilliseconds(100), bucket.When("d"));
        Assert.Equal(TimeSpan.FromMilliseconds(200), bucket.When("e"));
        clock.Advance(TimeSpan.FromSeconds(1));
        // Reservations for d and e were paid back; 8 tokens accrued beyond them, capped at the burst of 3.
        Assert.Equal(TimeSpan.Zero, bucket.When("f"));
        Assert.Equal(0, bucket.NumRequeues("a"));
    }

    [Fact]
    public void MaxOfTakesTheLongestWaitAndForgetsEverywhere()
    {
        var clock = new ManualTimeProvider();
        var limiter = RateLimiters.Combined<string>(TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(10), qps: 1, burst: 1, clock);
        Assert.Equal(TimeSpan.FromMilliseconds(1), limiter.When("a"));
        // The bucket is empty now: the next token is a second away, longer than the item's 1 ms backoff.
        Assert.Equal(TimeSpan.FromSeconds(1), limiter.When("b"));
        Assert.Equal(1, limiter.NumRequeues("a"));
        limiter.Forget("a");
        Assert.Equal(0, limiter.NumRequeues("a"));
    }

    [Fact]
    public async Task RateLimitedAddsBackOffOnTheQueue()
    {
        var clock = new ManualTimeProvider();
        using var queue = new RateLimitingWorkQueue<string>(
            new ItemExponentialFailureRateLimiter<string>(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(4)), clock);
        queue.AddRateLimited("a");
        clock.Advance(TimeSpan.FromMilliseconds(999));
        Assert.Equal(0, queue.Count);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, queue.Count);
        var item = await queue.GetAsync(CancellationToken.None);
        queue.Done(item.Item);
        queue.AddRateLimited("a");
        clock.Advance(TimeSpan.FromMilliseconds(1999));
        Assert.Equal(0, queue.Count);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, queue.Count);
        Assert.Equal(2, queue.NumRequeues("a"));
        queue.Forget("a");
        Assert.Equal(0, queue.NumRequeues("a"));
    }
}
