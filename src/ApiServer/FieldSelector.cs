using System.Globalization;
using System.Text.Json;

namespace VmNet.ApiServer;

/// <summary>
/// A parsed field selector: <c>metadata.name=x,status.phase!=Running</c>. Besides metadata.name and
/// metadata.namespace any dotted path into the object is accepted (missing fields compare as "").
/// </summary>
internal sealed class FieldSelector
{
    private sealed record Requirement(string Path, bool Equal, string Value);

    private readonly List<Requirement> _requirements;

    private FieldSelector(List<Requirement> requirements) => _requirements = requirements;

    public static FieldSelector Everything { get; } = new([]);

    public bool IsEmpty => _requirements.Count == 0;

    public static FieldSelector Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Everything;
        }

        var requirements = new List<Requirement>();
        foreach (var raw in text.Split(','))
        {
            var term = raw.Trim();
            var (at, len, equal) = term.IndexOf("!=", StringComparison.Ordinal) is var ne and > 0 ? (ne, 2, false)
                : term.IndexOf("==", StringComparison.Ordinal) is var ee and > 0 ? (ee, 2, true)
                : term.IndexOf('=', StringComparison.Ordinal) is var e and > 0 ? (e, 1, true)
                : (-1, 0, true);
            if (at < 0)
            {
                throw KubeApiException.BadRequest($"invalid selector: '{text}'; can't understand '{term}'");
            }

            requirements.Add(new Requirement(term[..at].Trim(), equal, term[(at + len)..].Trim()));
        }

        return new FieldSelector(requirements);
    }

    public bool Matches(StoredObject obj)
    {
        foreach (var r in _requirements)
        {
            var actual = r.Path switch
            {
                "metadata.name" => obj.Name,
                "metadata.namespace" => obj.Namespace,
                _ => ValueAt(obj.Element, r.Path),
            };
            if ((actual == r.Value) != r.Equal)
            {
                return false;
            }
        }

        return true;
    }

    private static string ValueAt(JsonElement root, string path)
    {
        var current = root;
        foreach (var segment in path.Split('.'))
        {
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(segment, out current))
            {
                return string.Empty;
            }
        }

        return current.ValueKind switch
        {
            JsonValueKind.String => current.GetString() ?? string.Empty,
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            JsonValueKind.Number => current.GetRawText(),
            JsonValueKind.Null or JsonValueKind.Undefined => string.Empty,
            _ => current.GetRawText(),
        };
    }

    public override string ToString() =>
        string.Join(',', _requirements.Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Path}{(r.Equal ? "=" : "!=")}{r.Value}")));
}
