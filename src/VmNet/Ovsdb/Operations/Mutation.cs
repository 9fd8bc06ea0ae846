namespace VmNet.Ovsdb.Operations;

/// <summary>A mutate term: <c>[column, mutator, value]</c>; mutators are +=, -=, *=, /=, %=, insert, delete.</summary>
public sealed record Mutation(string Column, string Mutator, object? Value)
{
    /// <summary>Adds set elements or map pairs (existing map keys keep their value).</summary>
    public static Mutation Insert(string column, object value) => new(column, "insert", value);

    /// <summary>Removes set elements, map pairs, or map keys (given as a set of keys).</summary>
    public static Mutation Delete(string column, object value) => new(column, "delete", value);

    public static Mutation Add(string column, long value) => new(column, "+=", value);
}
