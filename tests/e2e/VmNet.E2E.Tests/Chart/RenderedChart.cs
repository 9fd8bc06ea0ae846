using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;

namespace VmNet.E2E.Chart;

/// <summary>
/// The objects `helm template` printed, as JSON trees (YAML scalars become strings, whatever their tag: the tests
/// compare text, as the API server would after its own decoding).
/// </summary>
public sealed class RenderedChart
{
    private RenderedChart(IReadOnlyList<JsonObject> objects) => Objects = objects;

    public IReadOnlyList<JsonObject> Objects { get; }

    public IEnumerable<string> Kinds => Objects.Select(o => Text(o, "kind"));

    public static RenderedChart Parse(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var objects = stream.Documents
            .Select(d => d.RootNode)
            .Where(n => n is YamlMappingNode)
            .Select(n => (JsonObject)ToJson(n)!)
            .ToList();
        return new RenderedChart(objects);
    }

    public IEnumerable<JsonObject> OfKind(string kind) => Objects.Where(o => Text(o, "kind") == kind);

    public JsonObject Single(string kind) => Assert.Single(OfKind(kind));

    public JsonObject Single(string kind, string name) =>
        Assert.Single(OfKind(kind), o => Text(o, "metadata", "name") == name);

    /// <summary>The one container named <paramref name="name"/> (or init container) of the one <paramref name="workloadKind"/>.</summary>
    public JsonObject Container(string workloadKind, string name, bool init = false)
    {
        var podSpec = Single(workloadKind)["spec"]!["template"]!["spec"]!;
        var containers = podSpec[init ? "initContainers" : "containers"]!.AsArray();
        return Assert.Single(containers, c => Text(c!, "name") == name)!.AsObject();
    }

    public JsonObject PodSpec(string workloadKind) => Single(workloadKind)["spec"]!["template"]!["spec"]!.AsObject();

    public static string Text(JsonNode node, params string[] path)
    {
        ArgumentNullException.ThrowIfNull(node);
        var current = node;
        foreach (var key in path)
        {
            current = current[key] ?? throw new KeyNotFoundException($"no {string.Join('.', path)} in {node.ToJsonString()}");
        }

        return current.GetValue<string>();
    }

    public static IReadOnlyList<string> Strings(JsonNode? array) =>
        array is null ? [] : [.. array.AsArray().Select(n => n!.GetValue<string>())];

    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(c => KeyValuePair.Create(((YamlScalarNode)c.Key).Value!, ToJson(c.Value)))),
        YamlSequenceNode list => new JsonArray([.. list.Children.Select(ToJson)]),
        YamlScalarNode scalar => scalar.Value is null ? null : JsonValue.Create(scalar.Value),
        _ => throw new NotSupportedException($"YAML node {node.NodeType} at {node.Start}"),
    };
}
