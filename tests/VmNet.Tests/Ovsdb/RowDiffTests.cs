using VmNet.Ovsdb.Cache;
using VmNet.Ovsdb.Schema;
using VmNet.Ovsdb.Session;
using VmNet.Ovsdb.Values;

namespace VmNet.Tests.Ovsdb;

/// <summary>update2 "modify" semantics as ovsdb-server sends them (observed on the wire).</summary>
public class RowDiffTests
{
    private static readonly TableSchema Table = SchemaParser.Parse(File.ReadAllText("/usr/share/ovn/ovn-nb.ovsschema")).GetTable("Logical_Switch_Port");

    private static object?[] Row(params (string Column, object? Value)[] values)
    {
        var row = new object?[Table.Columns.Count];
        for (var i = 0; i < row.Length; i++)
        {
            row[i] = OvsdbJson.DefaultFor(Table.Columns[i].Type);
        }

        foreach (var (column, value) in values)
        {
            row[Table.GetColumn(column).Ordinal] = value;
        }

        return row;
    }

    private static object?[] Diff(params (string Column, object? Value)[] values)
    {
        var diff = new object?[Table.Columns.Count];
        Array.Fill(diff, RowUpdate.NotPresent);
        foreach (var (column, value) in values)
        {
            diff[Table.GetColumn(column).Ordinal] = value;
        }

        return diff;
    }

    private static object? Col(object?[] row, string column) => row[Table.GetColumn(column).Ordinal];

    [Fact]
    public void SetsToggleMapsAddRemoveOrChangeAndOptionalsAreReplaced()
    {
        var old = Row(
            ("name", "p"),
            ("addresses", OvsdbSet.Of("a", "b")),
            ("external_ids", new OvsdbMap(["keep", "drop", "change"], ["1", "2", "3"])),
            ("tag_request", 7L));
        var result = RowDiff.Apply(Table, Guid.NewGuid(), old, Diff(
            ("name", "q"),
            ("addresses", OvsdbSet.Of("a", "c")),
            ("external_ids", new OvsdbMap(["drop", "change", "new"], ["2", "33", "4"])),
            ("tag_request", null)));

        Assert.Equal("q", Col(result, "name"));
        Assert.Equal(OvsdbSet.Of("b", "c"), (OvsdbSet?)Col(result, "addresses"));
        Assert.Equal(new OvsdbMap(["keep", "change", "new"], ["1", "33", "4"]), (OvsdbMap?)Col(result, "external_ids"));
        Assert.Null(Col(result, "tag_request"));
        Assert.Equal("p", Col(old, "name"));
        Assert.True(RowDiff.SameValues(old, Row(("name", "p"), ("addresses", OvsdbSet.Of("b", "a")), ("external_ids", new OvsdbMap(["change", "keep", "drop"], ["3", "1", "2"])), ("tag_request", 7L))));
        Assert.False(RowDiff.SameValues(old, result));
    }
}
