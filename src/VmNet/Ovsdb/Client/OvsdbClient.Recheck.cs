using VmNet.Ovsdb.Errors;
using VmNet.Ovsdb.Operations;

namespace VmNet.Ovsdb.Client;

/// <summary>Whether a re-checked transaction was committed by this call or had been committed by the lost attempt.</summary>
public sealed record RecheckedTransaction(TransactionResult? Result, bool AppliedByEarlierAttempt);

public sealed partial class OvsdbClient
{
    /// <summary>
    /// Commits once even across a lost connection: when the outcome is unknown, waits for the
    /// reconnection, asks <paramref name="isApplied"/> (typically a select by ownership) and only
    /// re-sends the transaction when it was not applied.
    /// </summary>
    public async Task<RecheckedTransaction> TransactWithRecheckAsync(
        IReadOnlyList<OvsdbOperation> operations,
        Func<OvsdbClient, CancellationToken, Task<bool>> isApplied,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(isApplied);
        while (true)
        {
            try
            {
                return new RecheckedTransaction(await TransactAsync(operations, cancellationToken).ConfigureAwait(false), false);
            }
            catch (OvsdbOutcomeUnknownException)
            {
                await WaitConnectedAsync(cancellationToken).ConfigureAwait(false);
                if (await isApplied(this, cancellationToken).ConfigureAwait(false))
                {
                    return new RecheckedTransaction(null, true);
                }
            }
        }
    }

    /// <summary>
    /// Commits once using a guard inside the transaction itself: <paramref name="guard"/> is a wait
    /// (see <see cref="OvsdbGuards"/>) that fails once the change is in, so a re-send after an
    /// unknown outcome either applies the change or reports that the earlier attempt did.
    /// </summary>
    public async Task<RecheckedTransaction> TransactGuardedAsync(
        WaitOperation guard,
        IReadOnlyList<OvsdbOperation> operations,
        CancellationToken cancellationToken)
    {
        OvsdbOperation[] guarded = [guard, .. operations];
        var resent = false;
        while (true)
        {
            try
            {
                var result = await TransactAsync(guarded, cancellationToken).ConfigureAwait(false);
                return new RecheckedTransaction(new TransactionResult(result.Results.Skip(1).ToArray()), false);
            }
            catch (OvsdbTransactionException ex) when (resent && ex.OperationIndex == 0 && ex.Error == "timed out")
            {
                return new RecheckedTransaction(null, true);
            }
            catch (OvsdbOutcomeUnknownException)
            {
                resent = true;
            }
        }
    }
}
