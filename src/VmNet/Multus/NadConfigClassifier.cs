using System.Text.Json;

namespace VmNet.Multus;

/// <summary>
/// Classifies a NAD's <c>spec.config</c> (a CNI config or conflist). Ours when any plugin has type
/// <c>kube-ovn</c>/<c>vmnet</c>; IPAM-only when a plugin of another type delegates <c>ipam</c> to us.
/// </summary>
public static class NadConfigClassifier
{
    public static readonly IReadOnlySet<string> OurTypes = new HashSet<string>(StringComparer.Ordinal) { "kube-ovn", "vmnet" };

    /// <param name="nadKey"><c>ns/name</c> of the NAD, used in errors.</param>
    public static NadConfig Classify(string nadKey, string? config)
    {
        var field = $"NetworkAttachmentDefinition {nadKey} spec.config";
        if (string.IsNullOrWhiteSpace(config))
        {
            throw new MultusException(field, config ?? string.Empty, "is empty");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(config);
        }
        catch (JsonException ex)
        {
            throw new MultusException(field, Shorten(config), $"is not valid JSON ({ex.Message})");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new MultusException(field, Shorten(config), "must be a JSON object");
            }

            IEnumerable<JsonElement> plugins = root.TryGetProperty("plugins", out var list)
                ? list.ValueKind == JsonValueKind.Array ? list.EnumerateArray() : throw new MultusException(field, Shorten(config), "\"plugins\" must be a list")
                : [root];
            NadConfig? ipamOnly = null;
            foreach (var plugin in plugins)
            {
                if (plugin.ValueKind != JsonValueKind.Object)
                {
                    throw new MultusException(field, Shorten(plugin.GetRawText()), "has a plugin that is not a JSON object");
                }

                var type = StringOf(plugin, "type");
                if (type is not null && OurTypes.Contains(type))
                {
                    return new NadConfig(NadKind.Ovn, StringOf(plugin, "provider")) { Routes = RoutesOf(field, plugin) };
                }

                if (ipamOnly is null && plugin.TryGetProperty("ipam", out var ipam) && ipam.ValueKind == JsonValueKind.Object
                    && StringOf(ipam, "type") is { } ipamType && OurTypes.Contains(ipamType))
                {
                    ipamOnly = new NadConfig(NadKind.IpamOnly, StringOf(ipam, "provider")) { Routes = RoutesOf(field, ipam) };
                }
            }

            return ipamOnly ?? new NadConfig(NadKind.Foreign, null);
        }
    }

    private static string? StringOf(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static List<NadRoute> RoutesOf(string field, JsonElement element)
    {
        var routes = new List<NadRoute>();
        if (!element.TryGetProperty("routes", out var list) || list.ValueKind == JsonValueKind.Null)
        {
            return routes;
        }

        if (list.ValueKind != JsonValueKind.Array)
        {
            throw new MultusException(field, Shorten(list.GetRawText()), "\"routes\" must be a list of {\"dst\",\"gw\"} objects");
        }

        foreach (var route in list.EnumerateArray())
        {
            if (route.ValueKind != JsonValueKind.Object)
            {
                throw new MultusException(field, Shorten(route.GetRawText()), "has a route that is not a JSON object");
            }

            routes.Add(new NadRoute(StringOf(route, "dst") ?? string.Empty, StringOf(route, "gw")));
        }

        return routes;
    }

    private static string Shorten(string text) => text.Length <= 200 ? text : text[..200] + "...";
}
