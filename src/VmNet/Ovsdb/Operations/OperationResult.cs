namespace VmNet.Ovsdb.Operations;

/// <summary>The result of one successful operation: the new row's uuid (insert), a row count (update, mutate, delete), or rows (select).</summary>
public sealed record OperationResult(Guid? Uuid, long? Count, IReadOnlyList<IReadOnlyDictionary<string, object?>>? Rows)
{
    public static readonly OperationResult Empty = new(null, null, null);
}

/// <summary>The results of a committed transaction, one per operation in order.</summary>
public sealed record TransactionResult(IReadOnlyList<OperationResult> Results)
{
    /// <summary>The uuid the server gave the row inserted by operation <paramref name="index"/>.</summary>
    public Guid InsertedUuid(int index) =>
        Results[index].Uuid ?? throw new InvalidOperationException($"operation {index} did not insert a row");
}
