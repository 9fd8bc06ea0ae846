using Microsoft.Extensions.Logging;
using VmNet.Controller.Runtime.Informers;
using VmNet.Controller.Runtime.Queue;

namespace VmNet.Controller.Hosting;

/// <summary>
/// The controller pattern: informer handlers put keys on a de-duplicating, rate-limited queue, and
/// <see cref="ControllerContext.Options"/>.WorkerCount workers call <see cref="IReconciler.ReconcileAsync"/>.
/// Create it with <see cref="ControllerRegistry.Add"/>; wire sources with <see cref="Watch{T}"/>. Keys
/// enqueued before the workers start simply wait (the host starts workers only after IPAM is rebuilt).
/// </summary>
public sealed class ResourceController
{
    private readonly ILogger _logger;

    internal ResourceController(IReconciler reconciler, int workers, TimeProvider timeProvider, ILogger logger)
    {
        Reconciler = reconciler;
        Workers = workers;
        _logger = logger;
        Queue = new RateLimitingWorkQueue<string>(RateLimiters.DefaultController<string>(timeProvider), timeProvider, StringComparer.Ordinal);
    }

    public string Name => Reconciler.Name;

    public IReconciler Reconciler { get; }

    public int Workers { get; }

    public RateLimitingWorkQueue<string> Queue { get; }

    /// <summary>Queues <paramref name="key"/> now (a key already waiting is not queued twice).</summary>
    public void Enqueue(string key) => Queue.Add(key);

    /// <summary>Queues <paramref name="key"/> after <paramref name="delay"/> (coalesces bursts of changes).</summary>
    public void EnqueueAfter(string key, TimeSpan delay) => Queue.AddAfter(key, delay);

    /// <summary>
    /// Enqueues the keys <paramref name="keysOf"/> returns for every add, update and delete of
    /// <paramref name="informer"/>'s objects (the object's own key: <see cref="OwnKey{T}"/>).
    /// <paramref name="filter"/> drops updates that cannot matter (old, new) before enqueueing.
    /// </summary>
    public IHandlerRegistration Watch<T>(ISharedInformer<T> informer, Func<T, IEnumerable<string>> keysOf, Func<T, T, bool>? filter = null)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(informer);
        ArgumentNullException.ThrowIfNull(keysOf);
        return informer.AddEventHandler(new ResourceEventHandler<T>
        {
            Add = (obj, _) => EnqueueAll(keysOf(obj)),
            Update = (old, obj) =>
            {
                if (filter is null || filter(old, obj))
                {
                    EnqueueAll(keysOf(obj));
                }
            },
            Delete = (obj, _) => EnqueueAll(keysOf(obj)),
        });
    }

    /// <summary>A key function for <see cref="Watch{T}"/>: the object's own <c>[namespace/]name</c>.</summary>
    public static Func<T, IEnumerable<string>> OwnKey<T>(ISharedInformer<T> informer)
        where T : class =>
        obj => [ObjectKeys.For(informer.Meta, obj)];

    internal Task RunAsync(CancellationToken cancellationToken)
    {
        _logger.LogInformation("controller {Controller}: starting {Workers} workers", Name, Workers);
        var workers = new QueueWorkers<string>(Queue, Reconciler.ReconcileAsync, _logger);
        return workers.RunAsync(Workers, cancellationToken);
    }

    private void EnqueueAll(IEnumerable<string> keys)
    {
        foreach (var key in keys)
        {
            Queue.Add(key);
        }
    }
}
