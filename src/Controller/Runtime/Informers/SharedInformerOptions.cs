using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace VmNet.Controller.Runtime.Informers;

/// <summary>How a <see cref="SharedInformer{T}"/> behaves; the defaults follow client-go.</summary>
public sealed class SharedInformerOptions<T>
    where T : class
{
    /// <summary>Every period each handler gets OnUpdate(obj, obj) for every cached object; zero turns it off.</summary>
    public TimeSpan ResyncPeriod { get; init; } = TimeSpan.Zero;

    /// <summary>
    /// Applied to every object before it is cached and handed to handlers: drop managedFields and fields no
    /// controller reads, to keep the cache small. It may return the same instance modified, or a new one.
    /// </summary>
    public Func<T, T>? Transform { get; init; }

    public TimeSpan BackoffInitial { get; init; } = TimeSpan.FromMilliseconds(800);

    public TimeSpan BackoffMax { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>After this many watch failures in a row (other than 410 Gone) the informer lists afresh.</summary>
    public int WatchFailuresBeforeRelist { get; init; } = 3;

    /// <summary>A watch that ends sooner than this without delivering anything counts as a failure (avoids a hot loop).</summary>
    public TimeSpan MinWatchDuration { get; init; } = TimeSpan.FromSeconds(1);

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    public ILogger Logger { get; init; } = NullLogger.Instance;

    /// <summary>A name for logs, e.g. the resource's plural.</summary>
    public string Name { get; init; } = typeof(T).Name;
}
