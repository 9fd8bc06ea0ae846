namespace VmNet.Ovsdb.Errors;

/// <summary>
/// One operation of a transaction failed, so the whole transaction was rolled back. OVSDB reports
/// this inside <c>result[]</c> (top-level <c>error</c> is null); an index equal to the operation
/// count means the commit itself failed (e.g. referential integrity).
/// </summary>
public class OvsdbTransactionException : OvsdbException
{
    public OvsdbTransactionException(int operationIndex, string operation, string? table, string error, string? details)
        : base(Describe(operationIndex, operation, table, error, details))
    {
        OperationIndex = operationIndex;
        Operation = operation;
        Table = table;
        Error = error;
        Details = details;
    }

    public int OperationIndex { get; }

    /// <summary>The op name (<c>insert</c>, <c>mutate</c>, ...) or <c>commit</c>.</summary>
    public string Operation { get; }

    public string? Table { get; }

    /// <summary>The OVSDB error tag, e.g. <c>constraint violation</c>, <c>timed out</c>.</summary>
    public string Error { get; }

    public string? Details { get; }

    /// <summary>Builds the most specific exception type for an error tag.</summary>
    public static OvsdbTransactionException Create(int operationIndex, string operation, string? table, string error, string? details) =>
        error switch
        {
            "constraint violation" or "referential integrity violation" =>
                new OvsdbConstraintViolationException(operationIndex, operation, table, error, details),
            _ => new OvsdbTransactionException(operationIndex, operation, table, error, details),
        };

    private static string Describe(int index, string operation, string? table, string error, string? details) =>
        $"OVSDB transaction failed at operation {index} ({operation}{(table is null ? "" : " on " + table)}): {error}" +
        (string.IsNullOrEmpty(details) ? "" : ": " + details);
}
