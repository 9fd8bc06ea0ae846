namespace VmNet.Ovsdb.Values;

/// <summary>
/// A reference to a row inserted earlier in the same transaction by its <c>uuid-name</c>;
/// encoded as <c>["named-uuid", name]</c>.
/// </summary>
public readonly record struct NamedUuid(string Name)
{
    public override string ToString() => Name;
}
