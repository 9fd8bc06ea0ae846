using VmNet.Ovsdb.Cache;

namespace VmNet.Ovsdb.Typed;

/// <summary>A typed projection of a row of one table.</summary>
public interface IOvsdbTypedRow<out TSelf>
    where TSelf : IOvsdbTypedRow<TSelf>
{
    static abstract string TableName { get; }

    static abstract TSelf FromRow(OvsdbRow row);

    Guid Uuid { get; }

    /// <summary>The columns whose values differ from the OVSDB default, ready for an insert.</summary>
    Dictionary<string, object?> ToColumns();

    /// <summary>Every column with its value, defaults included (to set or clear columns in an update).</summary>
    Dictionary<string, object?> ToAllColumns();
}
