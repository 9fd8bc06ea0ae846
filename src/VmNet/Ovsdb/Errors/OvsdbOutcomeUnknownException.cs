namespace VmNet.Ovsdb.Errors;

/// <summary>
/// The connection was lost after a transaction was sent and before its reply arrived: it may or
/// may not have been committed. Re-check with a select or a guarding wait before applying again
/// (see <c>OvsdbClient.TransactWithRecheckAsync</c>).
/// </summary>
public sealed class OvsdbOutcomeUnknownException : OvsdbConnectionException
{
    public OvsdbOutcomeUnknownException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
