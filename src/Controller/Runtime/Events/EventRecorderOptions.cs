using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace VmNet.Controller.Runtime.Events;

/// <summary>Settings of an <see cref="EventRecorder"/>; defaults follow client-go's EventCorrelator.</summary>
public sealed class EventRecorderOptions
{
    /// <summary>source.component / reportingComponent, e.g. "vmnet-controller".</summary>
    public required string Component { get; init; }

    /// <summary>source.host / reportingInstance (the node or pod name).</summary>
    public string? Host { get; init; }

    /// <summary>A repeat of the same event (object, type, reason, message) within this window increments its count instead of creating a new Event.</summary>
    public TimeSpan AggregationWindow { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>How many distinct events are remembered for aggregation.</summary>
    public int CacheSize { get; init; } = 4096;

    /// <summary>Per-object spam filter: this many events at once ...</summary>
    public int BurstPerObject { get; init; } = 25;

    /// <summary>... then one more per interval (client-go: 1 per 5 minutes).</summary>
    public TimeSpan RefillIntervalPerObject { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Events waiting to be written; when full, new events are dropped so callers never wait.</summary>
    public int QueueCapacity { get; init; } = 1000;

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    public ILogger Logger { get; init; } = NullLogger.Instance;
}
