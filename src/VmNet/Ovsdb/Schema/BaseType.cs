namespace VmNet.Ovsdb.Schema;

/// <summary>The type of a column's keys or values: an atomic type plus its constraints.</summary>
public sealed record BaseType(AtomicType Type)
{
    /// <summary>The allowed values when the column is an enumeration, else null.</summary>
    public IReadOnlyList<object>? Enum { get; init; }

    /// <summary>For uuid columns that reference another table, that table's name.</summary>
    public string? RefTable { get; init; }

    /// <summary>True for strong references (the default when <see cref="RefTable"/> is set).</summary>
    public bool IsStrongRef { get; init; } = true;

    public long? MinInteger { get; init; }

    public long? MaxInteger { get; init; }

    public long? MinLength { get; init; }

    public long? MaxLength { get; init; }

    public override string ToString() =>
        Type.ToString().ToLowerInvariant() + (RefTable is null ? "" : "->" + RefTable) + (Enum is null ? "" : " enum");
}
