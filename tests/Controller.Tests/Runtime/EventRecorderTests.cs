using System.Diagnostics;
using VmNet.Controller.Runtime.Events;
using VmNet.Kube;
using VmNet.Kube.Models;

namespace VmNet.Controller.Tests.Runtime;

/// <summary>The event recorder against the in-process API server.</summary>
public sealed class EventRecorderTests : IAsyncLifetime
{
    private ApiServerHarness _api = null!;
    private V1Pod _pod = null!;

    public async Task InitializeAsync()
    {
        _api = await ApiServerHarness.StartAsync();
        _pod = await _api.CreatePodAsync("default", "web");
    }

    public async Task DisposeAsync() => await _api.DisposeAsync();

    [Fact]
    public async Task RepeatedEventsAggregateIntoOneEventWithACount()
    {
        await using var recorder = new EventRecorder(_api.Client, new EventRecorderOptions { Component = "vmnet-controller", Host = "node-1" });
        var involved = _pod.ToObjectReference();
        for (var i = 0; i < 5; i++)
        {
            recorder.Warning(involved, "AllocateFailed", "subnet ovn-default has no free address");
        }

        recorder.Normal(involved, "Allocated", "10.16.0.5");
        await recorder.FlushAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20));

        var events = (await _api.Client.ListAsync<CoreV1Event>("default")).Items;
        Assert.Equal(2, events.Count);
        var failed = Assert.Single(events, e => e.Reason == "AllocateFailed");
        Assert.Equal(5, failed.Count);
        Assert.Equal("Warning", failed.Type);
        Assert.Equal("Pod", failed.InvolvedObject.Kind);
        Assert.Equal(_pod.Metadata!.Uid, failed.InvolvedObject.Uid);
        Assert.Equal("vmnet-controller", failed.Source!.Component);
        Assert.True(failed.LastTimestamp >= failed.FirstTimestamp);
        Assert.Equal(1, Assert.Single(events, e => e.Reason == "Allocated").Count);
        Assert.Equal(6, recorder.Written);
    }

    [Fact]
    public async Task AnEventDeletedOnTheServerIsCreatedAgainWithItsCount()
    {
        await using var recorder = new EventRecorder(_api.Client, new EventRecorderOptions { Component = "vmnet-controller" });
        var involved = _pod.ToObjectReference();
        recorder.Normal(involved, "Synced", "ok");
        await recorder.FlushAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20));
        var name = Assert.Single((await _api.Client.ListAsync<CoreV1Event>("default")).Items).Metadata!.Name!;
        await _api.Client.DeleteAsync<CoreV1Event>("default", name);

        recorder.Normal(involved, "Synced", "ok");
        await recorder.FlushAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20));
        var recreated = Assert.Single((await _api.Client.ListAsync<CoreV1Event>("default")).Items);
        Assert.Equal(name, recreated.Metadata!.Name);
        Assert.Equal(2, recreated.Count);
    }

    [Fact]
    public async Task RecordingNeverBlocksEvenWhenTheServerIsSlowOrTheQueueFull()
    {
        await using var recorder = new EventRecorder(_api.Client, new EventRecorderOptions { Component = "vmnet-controller", QueueCapacity = 10, BurstPerObject = 1_000_000 });
        _api.Server.Controls.ThrottleNextRequests(3, retryAfterSeconds: 1, match: r => r.Resource == "events");
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 5_000; i++)
        {
            recorder.Normal(_pod.ToObjectReference(), "Flood", $"message {i}");
        }

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"recording 5000 events took {clock.Elapsed}");
        Assert.True(recorder.Dropped > 4_000, $"only {recorder.Dropped} of 5000 dropped with a queue of 10");
        await recorder.FlushAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task ThePerObjectSpamFilterBoundsTheRate()
    {
        await using var recorder = new EventRecorder(_api.Client, new EventRecorderOptions { Component = "vmnet-controller", BurstPerObject = 3 });
        for (var i = 0; i < 10; i++)
        {
            recorder.Warning(_pod.ToObjectReference(), "Flapping", $"attempt {i}");
        }

        await recorder.FlushAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(7, recorder.Dropped);
        Assert.Equal(3, (await _api.Client.ListAsync<CoreV1Event>("default")).Items.Count);
    }
}
