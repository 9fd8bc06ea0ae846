using VmNet.Ovsdb.Values;

namespace VmNet.Ovsdb.Operations;

/// <summary>A row reference usable in ops: an existing row's uuid or a row inserted earlier in the same transaction.</summary>
public readonly record struct RowRef
{
    private RowRef(object atom) => Atom = atom;

    /// <summary>A Guid or a <see cref="NamedUuid"/>.</summary>
    public object Atom { get; }

    public static implicit operator RowRef(Guid uuid) => new(uuid);

    public static implicit operator RowRef(NamedUuid named) => new(named);

    public static RowRef FromGuid(Guid uuid) => new(uuid);

    public static RowRef FromNamedUuid(NamedUuid named) => new(named);

    /// <summary>The where clause selecting this row; only for existing rows.</summary>
    public Condition[] Where() => Atom is Guid g
        ? [Condition.Uuid(g)]
        : throw new InvalidOperationException($"row {Atom} is inserted in this transaction and cannot be selected by a where clause");

    public override string ToString() => Atom.ToString() ?? "";
}
