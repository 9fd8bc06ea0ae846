using System.Reflection;
using VmNet.Ovsdb.Schema;
using VmNet.Ovsdb.Session;
using VmNet.Ovsdb.Typed;
using VmNet.Tests.Ovsdb.Support;

namespace VmNet.Tests.Ovsdb;

/// <summary>Every typed column (name and CLR type) must match the live server's get_schema, so a schema upgrade cannot drift silently.</summary>
public class SchemaDriftTests
{
    private static readonly NullabilityInfoContext Nullability = new();

    [Fact]
    public async Task NorthboundTypedRowsMatchTheLiveSchema()
    {
        await using var server = await TestOvsdbServer.StartNorthboundAsync();
        var checkedTables = await CompareAsync(server, "VmNet.Ovsdb.Northbound");
        Assert.Equal(18, checkedTables);
    }

    [Fact]
    public async Task OpenVSwitchTypedRowsMatchTheLiveSchema()
    {
        await using var server = await TestOvsdbServer.StartOpenVSwitchAsync();
        var checkedTables = await CompareAsync(server, "VmNet.Ovsdb.Vswitch");
        Assert.Equal(6, checkedTables);
    }

    private static async Task<int> CompareAsync(TestOvsdbServer server, string ns)
    {
        await using var session = await OvsdbSession.ConnectAsync(server.Unix, null, null, null, Timeouts.Token());
        var schema = await session.GetSchemaAsync(server.Database, Timeouts.Token());
        var types = typeof(IOvsdbTypedRow<>).Assembly.GetTypes()
            .Where(t => t.Namespace == ns && t.GetCustomAttribute<OvsdbTableAttribute>() is not null)
            .ToList();
        var problems = new List<string>();
        foreach (var type in types)
        {
            var tableAttribute = type.GetCustomAttribute<OvsdbTableAttribute>()!;
            Assert.Equal(schema.Name, tableAttribute.Database);
            if (!schema.Tables.TryGetValue(tableAttribute.Name, out var table))
            {
                problems.Add($"{type.Name}: table {tableAttribute.Name} is not in the live schema");
                continue;
            }

            var properties = type.GetProperties()
                .Select(p => (Property: p, Column: p.GetCustomAttribute<OvsdbColumnAttribute>()))
                .Where(p => p.Column is not null)
                .ToDictionary(p => p.Column!.Name, p => (p.Property, p.Column!));
            foreach (var column in table.Columns.Where(c => !c.Name.StartsWith('_')))
            {
                if (!properties.TryGetValue(column.Name, out var mapped))
                {
                    problems.Add($"{table.Name}.{column.Name} ({column.Type}) has no typed property");
                    continue;
                }

                var expected = ExpectedClrType(column.Type, out var nullableReference);
                var actual = mapped.Property.PropertyType;
                if (actual != expected)
                {
                    problems.Add($"{table.Name}.{column.Name}: live {column.Type} needs {expected.Name} but {type.Name}.{mapped.Property.Name} is {actual.Name}");
                }

                if (expected == typeof(string) && (Nullability.Create(mapped.Property).ReadState == NullabilityState.Nullable) != nullableReference)
                {
                    problems.Add($"{table.Name}.{column.Name}: string nullability should be {(nullableReference ? "string?" : "string")}");
                }

                if (mapped.Item2.RefTable != column.Type.Key.RefTable)
                {
                    problems.Add($"{table.Name}.{column.Name}: refTable live '{column.Type.Key.RefTable}' typed '{mapped.Item2.RefTable}'");
                }
            }

            foreach (var name in properties.Keys.Where(n => table.FindColumn(n) is null))
            {
                problems.Add($"{type.Name}.{name}: column no longer in the live schema");
            }
        }

        Assert.True(problems.Count == 0, "schema drift:\n" + string.Join('\n', problems));
        return types.Count;
    }

    private static Type ExpectedClrType(ColumnType type, out bool nullableReference)
    {
        nullableReference = false;
        var key = Atom(type.Key.Type);
        if (type.IsMap)
        {
            return typeof(IReadOnlyDictionary<,>).MakeGenericType(key, Atom(type.Value!.Type));
        }

        if (type.IsSet)
        {
            return typeof(IReadOnlyList<>).MakeGenericType(key);
        }

        if (type.IsOptional)
        {
            nullableReference = key == typeof(string);
            return key.IsValueType ? typeof(Nullable<>).MakeGenericType(key) : key;
        }

        return key;
    }

    private static Type Atom(AtomicType type) => type switch
    {
        AtomicType.Integer => typeof(long),
        AtomicType.Real => typeof(double),
        AtomicType.Boolean => typeof(bool),
        AtomicType.String => typeof(string),
        _ => typeof(Guid),
    };
}
