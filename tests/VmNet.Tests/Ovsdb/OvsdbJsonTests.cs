using System.Buffers;
using System.Text;
using System.Text.Json;
using VmNet.Ovsdb.Errors;
using VmNet.Ovsdb.Schema;
using VmNet.Ovsdb.Values;

namespace VmNet.Tests.Ovsdb;

public class OvsdbJsonTests
{
    private static readonly ColumnType StringSet = new(new BaseType(AtomicType.String), null, 0, ColumnType.Unlimited);
    private static readonly ColumnType OptionalUuid = new(new BaseType(AtomicType.Uuid), null, 0, 1);
    private static readonly ColumnType StringMap = new(new BaseType(AtomicType.String), new BaseType(AtomicType.String), 0, ColumnType.Unlimited);
    private static readonly ColumnType Integer = new(new BaseType(AtomicType.Integer), null, 1, 1);

    private static string Write(object? value)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            OvsdbJson.WriteValue(writer, value);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static object? Read(string json, ColumnType type)
    {
        using var doc = JsonDocument.Parse(json);
        return OvsdbJson.ReadColumn(doc.RootElement, type);
    }

    [Fact]
    public void WritesEveryValueForm()
    {
        var uuid = Guid.Parse("0b0e2f7c-1b7e-4c55-9a1c-3a4b5c6d7e8f");
        Assert.Equal("\"x\"", Write("x"));
        Assert.Equal("42", Write(42L));
        Assert.Equal("true", Write(true));
        Assert.Equal("[\"uuid\",\"0b0e2f7c-1b7e-4c55-9a1c-3a4b5c6d7e8f\"]", Write(uuid));
        Assert.Equal("[\"named-uuid\",\"p1\"]", Write(new NamedUuid("p1")));
        Assert.Equal("[\"set\",[\"a\",\"b\"]]", Write(OvsdbSet.Of("a", "b")));
        Assert.Equal("[\"set\",[]]", Write(null));
        Assert.Equal("[\"map\",[[\"k\",\"v\"]]]", Write(OvsdbMap.Of(new Dictionary<string, string> { ["k"] = "v" })));
        Assert.Throws<ArgumentException>(() => Write(new object()));
    }

    [Fact]
    public void NormalisesBySchemaShape()
    {
        Assert.Equal(OvsdbSet.Of("a"), (OvsdbSet?)Read("\"a\"", StringSet));
        Assert.Equal(OvsdbSet.Of("a", "b"), (OvsdbSet?)Read("[\"set\",[\"b\",\"a\"]]", StringSet));
        Assert.Null(Read("[\"set\",[]]", OptionalUuid));
        Assert.Equal(Guid.Parse("0b0e2f7c-1b7e-4c55-9a1c-3a4b5c6d7e8f"), Read("[\"uuid\",\"0b0e2f7c-1b7e-4c55-9a1c-3a4b5c6d7e8f\"]", OptionalUuid));
        Assert.Equal(OvsdbMap.Empty, (OvsdbMap?)Read("[\"map\",[]]", StringMap));
        Assert.Equal(7L, Read("7", Integer));
    }

    [Theory]
    [InlineData("\"seven\"")]
    [InlineData("[\"set\",[1,2]]")]
    [InlineData("[\"map\",[[1]]]")]
    [InlineData("{}")]
    public void WrongTypesAreProtocolErrorsNamingTheValue(string json)
    {
        var ex = Assert.Throws<OvsdbProtocolException>(() => Read(json, Integer));
        Assert.False(string.IsNullOrEmpty(ex.Message));
    }

    [Fact]
    public void SetAndMapEqualityIgnoresOrder()
    {
        Assert.Equal(OvsdbSet.Of("a", "b", "c"), OvsdbSet.Of("c", "a", "b"));
        Assert.NotEqual(OvsdbSet.Of("a", "b"), OvsdbSet.Of("a", "c"));
        var m1 = new OvsdbMap(["a", "b"], ["1", "2"]);
        var m2 = new OvsdbMap(["b", "a"], ["2", "1"]);
        Assert.Equal(m1, m2);
        Assert.NotEqual(m1, new OvsdbMap(["a", "b"], ["1", "3"]));
    }
}
