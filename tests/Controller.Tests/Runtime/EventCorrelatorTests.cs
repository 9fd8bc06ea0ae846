using VmNet.Controller.Runtime.Events;
using VmNet.Kube.Models;

namespace VmNet.Controller.Tests.Runtime;

public class EventCorrelatorTests
{
    private static readonly V1ObjectReference Pod = new() { Kind = "Pod", Namespace = "ns", Name = "web", Uid = "u1" };
    private readonly ManualTimeProvider _clock = new();

    [Fact]
    public void RepeatsWithinTheWindowAggregateIntoOneEvent()
    {
        var correlator = New();
        var first = correlator.Correlate(Pod, EventType.Warning, "AllocateFailed", "no free IP");
        Assert.Equal(CorrelationAction.Create, first.Action);
        _clock.Advance(TimeSpan.FromSeconds(30));
        var second = correlator.Correlate(Pod, EventType.Warning, "AllocateFailed", "no free IP");
        var third = correlator.Correlate(Pod, EventType.Warning, "AllocateFailed", "no free IP");
        Assert.Equal(CorrelationAction.Patch, second.Action);
        Assert.Equal(first.EventName, third.EventName);
        Assert.Equal(3, third.Count);
        Assert.Equal(first.FirstTimestamp, third.FirstTimestamp);
        Assert.Equal(_clock.GetUtcNow(), third.LastTimestamp);
    }

    [Fact]
    public void DifferentMessageReasonTypeOrObjectIsADifferentEvent()
    {
        var correlator = New();
        var names = new[]
        {
            correlator.Correlate(Pod, EventType.Warning, "R", "m1"),
            correlator.Correlate(Pod, EventType.Warning, "R", "m2"),
            correlator.Correlate(Pod, EventType.Warning, "R2", "m1"),
            correlator.Correlate(Pod, EventType.Normal, "R", "m1"),
            correlator.Correlate(new V1ObjectReference { Kind = "Pod", Namespace = "ns", Name = "other" }, EventType.Warning, "R", "m1"),
        };
        Assert.All(names, n => Assert.Equal(CorrelationAction.Create, n.Action));
    }

    [Fact]
    public void ARepeatAfterTheWindowStartsANewEvent()
    {
        var correlator = New();
        var first = correlator.Correlate(Pod, EventType.Normal, "Synced", "ok");
        _clock.Advance(TimeSpan.FromMinutes(11));
        var later = correlator.Correlate(Pod, EventType.Normal, "Synced", "ok");
        Assert.Equal(CorrelationAction.Create, later.Action);
        Assert.NotEqual(first.EventName, later.EventName);
        Assert.Equal(1, later.Count);
    }

    [Fact]
    public void PerObjectBurstIsEnforcedAndRefillsOverTime()
    {
        var correlator = New(burst: 3);
        var actions = Enumerable.Range(0, 5).Select(i => correlator.Correlate(Pod, EventType.Normal, "R", $"m{i}").Action).ToList();
        Assert.Equal([CorrelationAction.Create, CorrelationAction.Create, CorrelationAction.Create, CorrelationAction.Drop, CorrelationAction.Drop], actions);
        Assert.Equal(CorrelationAction.Create, correlator.Correlate(new V1ObjectReference { Kind = "Pod", Namespace = "ns", Name = "other" }, EventType.Normal, "R", "m").Action);
        _clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(CorrelationAction.Create, correlator.Correlate(Pod, EventType.Normal, "R", "m9").Action);
        Assert.Equal(CorrelationAction.Drop, correlator.Correlate(Pod, EventType.Normal, "R", "m10").Action);
    }

    private EventCorrelator New(int burst = 25) => new(new EventRecorderOptions { Component = "test", BurstPerObject = burst, TimeProvider = _clock });
}
