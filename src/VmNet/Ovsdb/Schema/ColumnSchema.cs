namespace VmNet.Ovsdb.Schema;

/// <summary>One column of a table; <see cref="Ordinal"/> is its slot in cached rows.</summary>
public sealed record ColumnSchema(string Name, ColumnType Type, int Ordinal)
{
    public bool IsEphemeral { get; init; }

    public bool IsMutable { get; init; } = true;
}
