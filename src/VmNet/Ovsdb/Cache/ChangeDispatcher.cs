using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace VmNet.Ovsdb.Cache;

/// <summary>
/// Delivers change batches to subscribers on its own task, in order. The read loop only queues,
/// so a subscriber that transacts (and so waits for a reply the read loop must read) cannot deadlock.
/// </summary>
internal sealed class ChangeDispatcher : IAsyncDisposable
{
    private readonly Channel<IReadOnlyList<RowChange>> _queue = Channel.CreateUnbounded<IReadOnlyList<RowChange>>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly Task _loop;
    private Subscription[] _subscriptions = [];

    public ChangeDispatcher(ILogger logger)
    {
        _logger = logger;
        _loop = Task.Run(RunAsync);
    }

    public IDisposable Subscribe(Action<RowChange> handler, string? table)
    {
        var subscription = new Subscription(this, handler, table);
        lock (_lock)
        {
            _subscriptions = [.. _subscriptions, subscription];
        }

        return subscription;
    }

    public void Publish(IReadOnlyList<RowChange> changes)
    {
        if (changes.Count > 0 && Volatile.Read(ref _subscriptions).Length > 0)
        {
            _queue.Writer.TryWrite(changes);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
    }

    private void Unsubscribe(Subscription subscription)
    {
        lock (_lock)
        {
            _subscriptions = _subscriptions.Where(s => s != subscription).ToArray();
        }
    }

    private async Task RunAsync()
    {
        await foreach (var batch in _queue.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            var subscriptions = Volatile.Read(ref _subscriptions);
            foreach (var change in batch)
            {
                foreach (var subscription in subscriptions)
                {
                    if (subscription.Table is not null && subscription.Table != change.Table)
                    {
                        continue;
                    }

                    try
                    {
                        subscription.Handler(change);
                    }
#pragma warning disable CA1031 // one faulty subscriber must not stop deliveries to the others
                    catch (Exception ex)
#pragma warning restore CA1031
                    {
                        _logger.LogError(ex, "OVSDB cache subscriber failed on {Kind} {Table}/{Uuid}", change.Kind, change.Table, change.Uuid);
                    }
                }
            }
        }
    }

    private sealed class Subscription(ChangeDispatcher owner, Action<RowChange> handler, string? table) : IDisposable
    {
        public Action<RowChange> Handler { get; } = handler;

        public string? Table { get; } = table;

        public void Dispose() => owner.Unsubscribe(this);
    }
}
