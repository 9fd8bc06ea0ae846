using System.Text.Json.Nodes;

namespace VmNet.Controller.Tests.Topology;

/// <summary>One row of <c>ovn-nbctl --format=json list TABLE</c>: an independent view of what is in Northbound.</summary>
internal sealed class NbctlRow(IReadOnlyDictionary<string, JsonNode?> columns)
{
    public string Uuid => Atom(columns["_uuid"]);

    public string Name => columns.TryGetValue("name", out var n) ? Atom(n) : "";

    public string String(string column) => Atom(columns[column]);

    public IReadOnlyList<string> Set(string column)
    {
        var value = columns[column];
        if (value is JsonArray { Count: 2 } pair && pair[0]!.GetValue<string>() == "set")
        {
            return pair[1]!.AsArray().Select(Atom).ToArray();
        }

        return [Atom(value)];
    }

    public IReadOnlyDictionary<string, string> Map(string column)
    {
        var pairs = columns[column]!.AsArray()[1]!.AsArray();
        return pairs.ToDictionary(p => Atom(p![0]), p => Atom(p![1]), StringComparer.Ordinal);
    }

    public static IReadOnlyList<NbctlRow> Parse(string json)
    {
        var doc = JsonNode.Parse(json)!;
        var headings = doc["headings"]!.AsArray().Select(h => h!.GetValue<string>()).ToArray();
        return doc["data"]!.AsArray()
            .Select(row => new NbctlRow(headings.Select((h, i) => (h, row![i]?.DeepClone())).ToDictionary(p => p.h, p => p.Item2, StringComparer.Ordinal)))
            .ToArray();
    }

    private static string Atom(JsonNode? node) => node switch
    {
        JsonArray { Count: 2 } a when a[0]!.GetValue<string>() is "uuid" or "named-uuid" => a[1]!.GetValue<string>(),
        JsonArray { Count: 2 } a when a[0]!.GetValue<string>() == "set" && a[1]!.AsArray().Count == 0 => "",
        JsonValue v => v.ToString(),
        null => "",
        _ => node.ToJsonString(),
    };

    public override string ToString() => $"{Name} {Uuid}";
}
