using System.Text.Json;

namespace VmNet.Cni;

/// <summary>Decodes netconf and conflist JSON; malformed input is CNI code 6 naming the position.</summary>
public static class NetConfParser
{
    public static NetConf Parse(ReadOnlySpan<byte> json)
    {
        if (json.Trim(" \t\r\n"u8).IsEmpty)
        {
            throw new CniException(CniErrorCodes.DecodingFailure, "network configuration on stdin is empty");
        }

        try
        {
            return JsonSerializer.Deserialize(json, CniJsonContext.Default.NetConf)
                ?? throw new CniException(CniErrorCodes.DecodingFailure, "network configuration on stdin is JSON null, expected an object");
        }
        catch (JsonException ex)
        {
            throw Decoding("network configuration on stdin", ex);
        }
    }

    /// <summary>
    /// The plugin entries of a conflist as the runtime would hand them to each plugin: the list's
    /// <c>name</c> and <c>cniVersion</c> injected into every entry that lacks them.
    /// </summary>
    public static IReadOnlyList<NetConf> ParseConfListPlugins(ReadOnlySpan<byte> json)
    {
        NetConfList list;
        try
        {
            list = JsonSerializer.Deserialize(json, CniJsonContext.Default.NetConfList)
                ?? throw new CniException(CniErrorCodes.DecodingFailure, "conflist is JSON null, expected an object");
        }
        catch (JsonException ex)
        {
            throw Decoding("conflist", ex);
        }

        if (list.Plugins is null || list.Plugins.Count == 0)
        {
            throw new CniException(CniErrorCodes.InvalidNetworkConfig, $"conflist \"{list.Name}\" has no \"plugins\" entries");
        }

        var plugins = new List<NetConf>(list.Plugins.Count);
        for (var i = 0; i < list.Plugins.Count; i++)
        {
            NetConf plugin;
            try
            {
                plugin = list.Plugins[i].Deserialize(CniJsonContext.Default.NetConf)
                    ?? throw new CniException(CniErrorCodes.InvalidNetworkConfig, $"conflist plugins[{i}] is null");
            }
            catch (JsonException ex)
            {
                throw Decoding($"conflist plugins[{i}]", ex);
            }

            plugin.Name ??= list.Name;
            plugin.CniVersion ??= list.CniVersion ?? HighestSupported(list.CniVersions);
            plugins.Add(plugin);
        }

        return plugins;
    }

    // Spec 1.1 conflists may list "cniVersions"; the runtime uses the highest one both sides speak.
    private static string? HighestSupported(List<string>? versions) =>
        versions?.Where(CniVersions.IsSupported).OrderByDescending(v => v, Comparer<string>.Create(CniVersions.Compare)).FirstOrDefault();

    private static CniException Decoding(string what, JsonException ex)
    {
        var where = ex.LineNumber is { } line
            ? $" at line {line + 1}, byte {(ex.BytePositionInLine ?? 0) + 1}" + (string.IsNullOrEmpty(ex.Path) ? "" : $" (path {ex.Path})")
            : "";
        return new CniException(CniErrorCodes.DecodingFailure, $"failed to decode {what}{where}: {FirstSentence(ex.Message)}", null, ex);
    }

    // System.Text.Json appends "Path: ... | LineNumber: ..." to its messages; we report position ourselves.
    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }
}
