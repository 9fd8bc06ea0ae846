namespace VmNet.Ovsdb.Operations;

/// <summary>A <c>where</c> clause term: <c>[column, function, value]</c> (RFC 7047 section 5.1).</summary>
public sealed record Condition(string Column, string Function, object? Value)
{
    public static Condition Equal(string column, object? value) => new(column, "==", value);

    public static Condition NotEqual(string column, object? value) => new(column, "!=", value);

    public static Condition Includes(string column, object? value) => new(column, "includes", value);

    public static Condition Excludes(string column, object? value) => new(column, "excludes", value);

    /// <summary>Matches the row with this uuid.</summary>
    public static Condition Uuid(Guid uuid) => new("_uuid", "==", uuid);
}
