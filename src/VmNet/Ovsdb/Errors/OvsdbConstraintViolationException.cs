namespace VmNet.Ovsdb.Errors;

/// <summary>
/// The transaction broke a schema constraint: a duplicate index value, a value out of range, or a
/// dangling strong reference. Callers usually treat a duplicate as "someone else created it".
/// </summary>
public sealed class OvsdbConstraintViolationException : OvsdbTransactionException
{
    public OvsdbConstraintViolationException(int operationIndex, string operation, string? table, string error, string? details)
        : base(operationIndex, operation, table, error, details)
    {
    }
}
