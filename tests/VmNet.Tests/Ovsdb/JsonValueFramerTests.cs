using System.Text;
using VmNet.Ovsdb.Errors;
using VmNet.Ovsdb.Wire;

namespace VmNet.Tests.Ovsdb;

public class JsonValueFramerTests
{
    private static List<string> Feed(JsonValueFramer framer, string text, int chunk)
    {
        var values = new List<string>();
        var bytes = Encoding.UTF8.GetBytes(text);
        for (var offset = 0; offset < bytes.Length; offset += chunk)
        {
            var n = Math.Min(chunk, bytes.Length - offset);
            bytes.AsSpan(offset, n).CopyTo(framer.GetWriteBuffer(n).Span);
            framer.Advance(n);
            while (framer.TryReadValue(out var value))
            {
                values.Add(Encoding.UTF8.GetString(value.Span));
            }
        }

        return values;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(4096)]
    public void SplitsBackToBackValuesAtAnyChunkSize(int chunk)
    {
        const string a = """{"id":1,"result":["a}b","c\"]{d","e\\"],"error":null}""";
        const string b = """{"method":"echo","params":[],"id":"echo"}""";
        const string c = """[{"x":{"y":[1,2,{"z":"]]]"}]}}]""";
        var values = Feed(new JsonValueFramer(), a + b + "\n  " + c, chunk);
        Assert.Equal([a, b, c], values);
    }

    [Fact]
    public void HoldsAPartialValueUntilItCompletes()
    {
        var framer = new JsonValueFramer();
        Assert.Empty(Feed(framer, """{"id":1,"result":"{not yet""", 5));
        Assert.True(framer.HasPartialValue);
        Assert.Equal(["""{"id":1,"result":"{not yet"}"""], Feed(framer, "\"}", 5));
        Assert.False(framer.HasPartialValue);
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("42")]
    [InlineData("}")]
    [InlineData("{\"a\":1}]")]
    public void RejectsBytesOutsideAnObject(string text)
    {
        var ex = Assert.Throws<OvsdbProtocolException>(() => Feed(new JsonValueFramer(), text, 4096));
        Assert.Contains("outside a JSON object", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RejectsAValueOverTheSizeLimit()
    {
        var framer = new JsonValueFramer(maxValueBytes: 64, initialCapacity: 16);
        var ex = Assert.Throws<OvsdbProtocolException>(() => Feed(framer, "[\"" + new string('x', 200) + "\"]", 16));
        Assert.Contains("limit", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GrowsForValuesLargerThanTheBuffer()
    {
        var big = "{\"v\":\"" + new string('q', 100_000) + "\"}";
        Assert.Equal([big, "{}"], Feed(new JsonValueFramer(initialCapacity: 128), big + "{}", 1000));
    }
}
