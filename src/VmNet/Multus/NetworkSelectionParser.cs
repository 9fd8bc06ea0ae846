using System.Text.Json;

namespace VmNet.Multus;

/// <summary>
/// Parses Multus network selections (facts §2.3): the comma list <c>[ns/]name[@ifname]</c> and the JSON list of
/// objects with <c>name</c>, <c>namespace</c>, <c>interface</c>, <c>mac</c>, <c>ips</c> and <c>default-route</c>.
/// Errors name the annotation and the offending element.
/// </summary>
public static class NetworkSelectionParser
{
    private const int MaxInterfaceLength = 15;

    /// <summary>The pod's <c>k8s.v1.cni.cncf.io/networks</c> selections (empty when absent).</summary>
    public static IReadOnlyList<NetworkSelection> ParseNetworks(IReadOnlyDictionary<string, string>? annotations, string podNamespace)
    {
        if (annotations is null || !annotations.TryGetValue(MultusAnnotations.Networks, out var value) || string.IsNullOrWhiteSpace(value))
        {
            return [];
        }

        var selections = Parse(MultusAnnotations.Networks, value, podNamespace);
        RejectDuplicates(MultusAnnotations.Networks, selections);
        return selections;
    }

    /// <summary>The pod's <c>v1.multus-cni.io/default-network</c> selection, or null when absent.</summary>
    public static NetworkSelection? ParseDefaultNetwork(IReadOnlyDictionary<string, string>? annotations, string podNamespace)
    {
        if (annotations is null || !annotations.TryGetValue(MultusAnnotations.DefaultNetwork, out var value) || string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var selections = Parse(MultusAnnotations.DefaultNetwork, value, podNamespace);
        return selections.Count == 1
            ? selections[0]
            : throw new MultusException(MultusAnnotations.DefaultNetwork, value, "must name exactly one network");
    }

    /// <summary>Either form; <paramref name="field"/> is the annotation key used in errors.</summary>
    public static IReadOnlyList<NetworkSelection> Parse(string field, string value, string podNamespace)
    {
        ArgumentNullException.ThrowIfNull(value);
        var trimmed = value.Trim();
        return trimmed.StartsWith('[') || trimmed.StartsWith('{') ? ParseJson(field, trimmed, podNamespace) : ParseText(field, trimmed, podNamespace);
    }

    private static List<NetworkSelection> ParseText(string field, string value, string podNamespace)
    {
        var result = new List<NetworkSelection>();
        foreach (var raw in value.Split(','))
        {
            var element = raw.Trim();
            if (element.Length == 0)
            {
                throw new MultusException(field, value, "has an empty element");
            }

            string? iface = null;
            var reference = element;
            var at = element.LastIndexOf('@');
            if (at >= 0)
            {
                iface = element[(at + 1)..];
                reference = element[..at];
                ValidateInterface(field, element, iface);
            }

            var slash = reference.IndexOf('/', StringComparison.Ordinal);
            var ns = slash >= 0 ? reference[..slash] : podNamespace;
            var name = slash >= 0 ? reference[(slash + 1)..] : reference;
            ValidateName(field, element, "namespace", ns);
            ValidateName(field, element, "name", name);
            result.Add(new NetworkSelection(ns, name) { Interface = iface });
        }

        return result;
    }

    private static List<NetworkSelection> ParseJson(string field, string value, string podNamespace)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(value);
        }
        catch (JsonException ex)
        {
            throw new MultusException(field, value, $"is not valid JSON ({ex.Message})");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                throw new MultusException(field, value, "must be a JSON list of network selection objects");
            }

            var result = new List<NetworkSelection>();
            foreach (var element in document.RootElement.EnumerateArray())
            {
                result.Add(ParseJsonElement(field, element, podNamespace));
            }

            return result;
        }
    }

    private static NetworkSelection ParseJsonElement(string field, JsonElement element, string podNamespace)
    {
        var text = element.GetRawText();
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new MultusException(field, text, "is not a JSON object");
        }

        var name = OptionalString(field, text, element, "name") ?? throw new MultusException(field, text, "has no \"name\"");
        var ns = OptionalString(field, text, element, "namespace");
        ns = string.IsNullOrEmpty(ns) ? podNamespace : ns;
        ValidateName(field, text, "namespace", ns);
        ValidateName(field, text, "name", name);
        var iface = OptionalString(field, text, element, "interface");
        if (iface is not null)
        {
            ValidateInterface(field, text, iface);
        }

        var mac = OptionalString(field, text, element, "mac");
        return new NetworkSelection(ns, name)
        {
            Interface = string.IsNullOrEmpty(iface) ? null : iface,
            Mac = string.IsNullOrWhiteSpace(mac) ? null : mac.Trim(),
            Ips = [.. StringList(field, text, element, "ips").Select(StripPrefix)],
            DefaultRoute = StringList(field, text, element, "default-route"),
        };
    }

    /// <summary>Multus lets <c>ips</c> carry a prefix length; the address is what IPAM needs.</summary>
    private static string StripPrefix(string ip)
    {
        var slash = ip.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? ip.Trim() : ip[..slash].Trim();
    }

    private static string? OptionalString(string field, string text, JsonElement element, string property)
    {
        if (!element.TryGetProperty(property, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw new MultusException(field, text, $"\"{property}\" must be a string");
    }

    private static IReadOnlyList<string> StringList(string field, string text, JsonElement element, string property)
    {
        if (!element.TryGetProperty(property, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            throw new MultusException(field, text, $"\"{property}\" must be a list of strings");
        }

        var result = new List<string>();
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(item.GetString()))
            {
                throw new MultusException(field, text, $"\"{property}\" must be a list of non-empty strings");
            }

            result.Add(item.GetString()!);
        }

        return result;
    }

    private static void ValidateName(string field, string element, string what, string name)
    {
        if (name.Length == 0 || name.Length > 253 || !name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '.')
            || !char.IsAsciiLetterOrDigit(name[0]) || !char.IsAsciiLetterOrDigit(name[^1]))
        {
            throw new MultusException(field, element, $"has an invalid {what} \"{name}\" (lower-case DNS name expected)");
        }
    }

    private static void ValidateInterface(string field, string element, string iface)
    {
        if (iface.Length == 0 || iface.Length > MaxInterfaceLength || iface.Any(c => char.IsWhiteSpace(c) || c is '/' or ':' or '@')
            || iface is "." or "..")
        {
            throw new MultusException(field, element, $"has an invalid interface name \"{iface}\" (1-{MaxInterfaceLength} characters, no '/', ':', '@' or spaces)");
        }
    }

    private static void RejectDuplicates(string field, IReadOnlyList<NetworkSelection> selections)
    {
        var interfaces = new HashSet<string>(StringComparer.Ordinal);
        foreach (var selection in selections.Where(s => s.Interface is not null))
        {
            if (!interfaces.Add(selection.Interface!))
            {
                throw new MultusException(field, selection.Interface!, "is used as interface name by more than one network");
            }
        }

        foreach (var group in selections.GroupBy(s => s.NadKey, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            if (group.Any(s => s.Interface is null))
            {
                throw new MultusException(field, group.Key, "is attached more than once; give each attachment its own \"interface\"");
            }
        }
    }
}
