using VmNet.Ovsdb.Schema;

namespace VmNet.Ovsdb.Session;

public enum RowUpdateKind
{
    /// <summary>Part of the monitor's initial contents.</summary>
    Initial,
    Insert,
    Modify,
    Delete,
}

/// <summary>
/// One row's change from an update2/update3 message. <see cref="Values"/> has one slot per column
/// ordinal: for Initial/Insert every slot holds the normalised value (defaults filled in); for
/// Modify the changed columns hold the diff and the rest hold <see cref="NotPresent"/>.
/// </summary>
public sealed class RowUpdate
{
    /// <summary>Marks a column a Modify does not touch.</summary>
    public static readonly object NotPresent = new();

    public RowUpdate(Guid uuid, RowUpdateKind kind, object?[]? values)
    {
        Uuid = uuid;
        Kind = kind;
        Values = values;
    }

    public Guid Uuid { get; }

    public RowUpdateKind Kind { get; }

    public object?[]? Values { get; }
}

/// <summary>The row updates of one table.</summary>
public sealed record TableUpdate(TableSchema Table, IReadOnlyList<RowUpdate> Rows);
