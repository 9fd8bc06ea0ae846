using System.Threading.Channels;
using VmNet.Ovsdb.Errors;
using VmNet.Ovsdb.Client;
using VmNet.Ovsdb.Operations;

namespace VmNet.Controller.Pods;

/// <summary>
/// Coalesces the independent port changes of concurrent reconciles into one OVSDB transaction: while one
/// transaction is in flight, the next ones queue and go together (up to <see cref="MaxBatch"/> changes).
/// Each change keeps its own named uuids, so they compose. If a combined transaction fails, every change is
/// retried alone, so one bad change never fails the others. Until <see cref="RunAsync"/> runs (or after it
/// stopped) changes are committed directly.
/// </summary>
public sealed class NorthboundBatcher(OvsdbClient northbound)
{
    public const int MaxBatch = 256;

    private readonly Channel<Pending> _pending = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private volatile bool _running;

    public Task TransactAsync(IReadOnlyList<OvsdbOperation> operations, CancellationToken cancellationToken)
    {
        if (!_running)
        {
            return northbound.TransactAsync(operations, cancellationToken);
        }

        var pending = new Pending(operations, cancellationToken);
        return _pending.Writer.TryWrite(pending) ? pending.Done.Task.WaitAsync(cancellationToken) : northbound.TransactAsync(operations, cancellationToken);
    }

    /// <summary>Commits queued changes until cancelled; changes still queued then are failed as cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        _running = true;
        try
        {
            var batch = new List<Pending>(MaxBatch);
            while (await _pending.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                batch.Clear();
                while (batch.Count < MaxBatch && _pending.Reader.TryRead(out var next))
                {
                    if (!next.Cancellation.IsCancellationRequested)
                    {
                        batch.Add(next);
                    }
                    else
                    {
                        next.Done.TrySetCanceled(next.Cancellation);
                    }
                }

                await CommitAsync(batch, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _running = false;
            while (_pending.Reader.TryRead(out var left))
            {
                left.Done.TrySetCanceled(cancellationToken);
            }
        }
    }

    private async Task CommitAsync(List<Pending> batch, CancellationToken cancellationToken)
    {
        if (batch.Count == 0)
        {
            return;
        }

        try
        {
            await northbound.TransactAsync([.. batch.SelectMany(p => p.Operations)], cancellationToken).ConfigureAwait(false);
            batch.ForEach(p => p.Done.TrySetResult());
            return;
        }
        catch (OvsdbTransactionException) when (batch.Count > 1)
        {
            // One change is bad (e.g. a port created twice from a stale cache): find it by going one by one.
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            batch.ForEach(p => p.Done.TrySetException(ex));
            return;
        }

        foreach (var pending in batch)
        {
            try
            {
                await northbound.TransactAsync(pending.Operations, cancellationToken).ConfigureAwait(false);
                pending.Done.TrySetResult();
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                pending.Done.TrySetException(ex);
            }
        }
    }

    private sealed record Pending(IReadOnlyList<OvsdbOperation> Operations, CancellationToken Cancellation)
    {
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
