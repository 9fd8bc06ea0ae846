using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace VmNet.Controller.Runtime.Queue;

/// <summary>
/// Runs N workers over a <see cref="RateLimitingWorkQueue{T}"/>, each taking a key, calling the reconcile
/// delegate and acting on its <see cref="ReconcileResult"/>. An exception counts as a transient failure
/// and the key is retried with backoff; it never stops the worker.
/// </summary>
public sealed class QueueWorkers<T>
    where T : notnull
{
    private readonly RateLimitingWorkQueue<T> _queue;
    private readonly Func<T, CancellationToken, Task<ReconcileResult>> _reconcile;
    private readonly ILogger _logger;

    public QueueWorkers(
        RateLimitingWorkQueue<T> queue,
        Func<T, CancellationToken, Task<ReconcileResult>> reconcile,
        ILogger? logger = null)
    {
        _queue = queue ?? throw new ArgumentNullException(nameof(queue));
        _reconcile = reconcile ?? throw new ArgumentNullException(nameof(reconcile));
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>
    /// Runs <paramref name="workers"/> workers until the queue shuts down and is drained, or until
    /// <paramref name="cancellationToken"/> fires (in-flight reconciles see the token).
    /// </summary>
    public Task RunAsync(int workers, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        var tasks = new Task[workers];
        for (var i = 0; i < workers; i++)
        {
            tasks[i] = Task.Run(() => WorkAsync(cancellationToken), CancellationToken.None);
        }

        return Task.WhenAll(tasks);
    }

    /// <summary>Processes one key; returns false once the queue is shut down and empty.</summary>
    public async Task<bool> ProcessNextAsync(CancellationToken cancellationToken)
    {
        var next = await _queue.GetAsync(cancellationToken).ConfigureAwait(false);
        if (next.ShutDown)
        {
            return false;
        }

        var key = next.Item;
        try
        {
            var result = await _reconcile(key, cancellationToken).ConfigureAwait(false);
            switch (result.Outcome)
            {
                case ReconcileOutcome.Success:
                    _queue.Forget(key);
                    break;
                case ReconcileOutcome.Requeue:
                    _queue.AddRateLimited(key);
                    break;
                case ReconcileOutcome.RequeueAfter:
                    _queue.Forget(key);
                    _queue.AddAfter(key, result.Delay);
                    break;
                default:
                    throw new InvalidOperationException($"unknown reconcile outcome {result.Outcome} for key {key}");
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: the key is not retried here; whoever starts again lists everything anew.
        }
        catch (Exception ex)
        {
            _logger.LogWarning(ex, "reconcile of {Key} failed (retry {Retry}); requeued with backoff", key, _queue.NumRequeues(key) + 1);
            _queue.AddRateLimited(key);
        }
        finally
        {
            _queue.Done(key);
        }

        return true;
    }

    private async Task WorkAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (await ProcessNextAsync(cancellationToken).ConfigureAwait(false))
            {
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }
}
