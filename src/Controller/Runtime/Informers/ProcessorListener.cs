using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace VmNet.Controller.Runtime.Informers;

/// <summary>
/// Delivers notifications to one handler on its own loop through an unbounded buffer, so a slow handler
/// never stalls the watch or the other handlers (client-go's processorListener). A handler that throws
/// is logged and keeps receiving.
/// </summary>
internal sealed class ProcessorListener<T> : IHandlerRegistration
    where T : class
{
    private readonly IResourceEventHandler<T> _handler;
    private readonly ILogger _logger;
    private readonly Channel<Notification<T>> _buffer = Channel.CreateUnbounded<Notification<T>>(
        new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = false });
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _enqueued;
    private long _delivered;
    private long _syncTarget = -1;

    public ProcessorListener(IResourceEventHandler<T> handler, ILogger logger)
    {
        _handler = handler;
        _logger = logger;
    }

    public bool HasSynced => _synced.Task.IsCompleted;

    public Task WaitForSyncAsync(CancellationToken cancellationToken) => _synced.Task.WaitAsync(cancellationToken);

    /// <summary>Called under the informer's dispatch lock, so the order is the cache's order.</summary>
    public void Enqueue(Notification<T> notification)
    {
        Interlocked.Increment(ref _enqueued);
        _buffer.Writer.TryWrite(notification);
    }

    /// <summary>Everything enqueued so far belongs to the initial list; synced once it is delivered.</summary>
    public void MarkInitialListEnqueued()
    {
        var target = Interlocked.Read(ref _enqueued);
        Interlocked.Exchange(ref _syncTarget, target);
        if (Interlocked.Read(ref _delivered) >= target)
        {
            _synced.TrySetResult();
        }
    }

    public void Complete() => _buffer.Writer.TryComplete();

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var notification in _buffer.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                Deliver(notification);
                var delivered = Interlocked.Increment(ref _delivered);
                var target = Interlocked.Read(ref _syncTarget);
                if (target >= 0 && delivered >= target)
                {
                    _synced.TrySetResult();
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private void Deliver(Notification<T> notification)
    {
        try
        {
            switch (notification.Kind)
            {
                case NotificationKind.Add:
                    _handler.OnAdd(notification.Current, notification.Flag);
                    break;
                case NotificationKind.Update:
                    _handler.OnUpdate(notification.Old!, notification.Current);
                    break;
                case NotificationKind.Delete:
                    _handler.OnDelete(notification.Current, notification.Flag);
                    break;
            }
        }
#pragma warning disable CA1031 // One faulty handler must not stop notifications to it or anyone else.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _logger.LogError(ex, "event handler {Handler} failed on {Kind}", _handler.GetType().Name, notification.Kind);
        }
    }
}
