namespace VmNet.Ovsdb.Schema;

/// <summary>
/// A column's type: key type, optional value type (a map), and the min/max element counts. Cached
/// values are normalised by shape: a scalar is one atom, an optional is an atom or null, a set is
/// an <c>OvsdbSet</c>, a map an <c>OvsdbMap</c>.
/// </summary>
public sealed record ColumnType(BaseType Key, BaseType? Value, int Min, long Max)
{
    public const long Unlimited = long.MaxValue;

    public bool IsMap => Value is not null;

    /// <summary>Exactly one atom (min 1, max 1).</summary>
    public bool IsScalar => Value is null && Min == 1 && Max == 1;

    /// <summary>Zero or one atom (min 0, max 1).</summary>
    public bool IsOptional => Value is null && Min == 0 && Max == 1;

    /// <summary>A set that may hold more than one atom.</summary>
    public bool IsSet => Value is null && Max > 1;

    public override string ToString() =>
        IsMap ? $"map<{Key},{Value}>[{Min}..{MaxText}]" : IsScalar ? Key.ToString() : $"set<{Key}>[{Min}..{MaxText}]";

    private string MaxText => Max == Unlimited ? "unlimited" : Max.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
