namespace VmNet.Ovsdb.Typed;

/// <summary>Maps a typed-row property to its OVSDB column; the schema drift test checks it against the live server.</summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class OvsdbColumnAttribute(string name) : Attribute
{
    public string Name { get; } = name;

    /// <summary>For uuid columns, the referenced table.</summary>
    public string? RefTable { get; init; }
}

/// <summary>Names the OVSDB table a typed row class maps.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class OvsdbTableAttribute(string database, string name) : Attribute
{
    public string Database { get; } = database;

    public string Name { get; } = name;
}
