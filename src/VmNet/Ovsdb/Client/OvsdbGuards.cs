using VmNet.Ovsdb.Operations;

namespace VmNet.Ovsdb.Client;

/// <summary>Wait operations that make a transaction safe to re-send.</summary>
public static class OvsdbGuards
{
    /// <summary>Passes only while no row of <paramref name="table"/> matches <paramref name="where"/> (fails at once otherwise).</summary>
    public static WaitOperation RowAbsent(string table, params Condition[] where) =>
        new(table, where, ["_uuid"], "==", [], 0);

    /// <summary>Passes only while some row of <paramref name="table"/> matches <paramref name="where"/>.</summary>
    public static WaitOperation RowPresent(string table, params Condition[] where) =>
        new(table, where, ["_uuid"], "!=", [], 0);
}
