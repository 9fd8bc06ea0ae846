namespace VmNet.Ovsdb.Cache;

public enum RowChangeKind
{
    Insert,
    Update,
    Delete,
}

/// <summary>A change of one cached row: Insert has only New, Delete only Old, Update both.</summary>
public sealed record RowChange(RowChangeKind Kind, string Table, OvsdbRow? Old, OvsdbRow? New)
{
    public Guid Uuid => (New ?? Old)!.Uuid;
}
