using System.Text.Json.Nodes;

namespace VmNet.E2E.Chart;

/// <summary>charts/vmnet/values.schema.json, read so tests can hold its allowed values against the programs'.</summary>
public static class ValuesSchema
{
    private static readonly Lazy<JsonNode> Document = new(() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(Helm.ChartDirectory, "values.schema.json")))!);

    /// <summary>The <c>enum</c> of the value at <paramref name="path"/> (e.g. "network", "encapType").</summary>
    public static IReadOnlyList<string> Enum(params string[] path)
    {
        var node = Document.Value;
        foreach (var key in path)
        {
            node = node["properties"]?[key] ?? throw new KeyNotFoundException($"values.schema.json has no {string.Join('.', path)}");
        }

        return RenderedChart.Strings(node["enum"] ?? throw new KeyNotFoundException($"values.schema.json: {string.Join('.', path)} has no enum"));
    }
}
