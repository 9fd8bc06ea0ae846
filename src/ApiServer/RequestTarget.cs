namespace VmNet.ApiServer;

/// <summary>
/// A parsed resource path: /api/v1/[namespaces/{ns}/]{plural}[/{name}[/{subresource}]] or the same under
/// /apis/{group}/{version}. The legacy /watch/ prefix segment is accepted as well.
/// </summary>
internal sealed record RequestTarget(string Group, string Version, string? Namespace, string Plural, string? Name, string? Subresource, bool LegacyWatch)
{
    public static RequestTarget? Parse(string path)
    {
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToArray();
        int rest;
        string group;
        string version;
        if (segments.Length >= 3 && segments[0] == "api")
        {
            (group, version, rest) = (string.Empty, segments[1], 2);
        }
        else if (segments.Length >= 4 && segments[0] == "apis")
        {
            (group, version, rest) = (segments[1], segments[2], 3);
        }
        else
        {
            return null;
        }

        var tail = segments[rest..];
        var legacyWatch = false;
        if (tail.Length > 0 && tail[0] == "watch")
        {
            legacyWatch = true;
            tail = tail[1..];
        }

        // namespaces/{ns}/{plural}... addresses namespaced objects; namespaces/{name}[/status] the namespace itself.
        if (tail.Length >= 3 && tail[0] == "namespaces" && !(group.Length == 0 && tail.Length == 3 && tail[2] is "status" or "finalize"))
        {
            return tail.Length switch
            {
                3 => new RequestTarget(group, version, tail[1], tail[2], null, null, legacyWatch),
                4 => new RequestTarget(group, version, tail[1], tail[2], tail[3], null, legacyWatch),
                5 => new RequestTarget(group, version, tail[1], tail[2], tail[3], tail[4], legacyWatch),
                _ => null,
            };
        }

        return tail.Length switch
        {
            1 => new RequestTarget(group, version, null, tail[0], null, null, legacyWatch),
            2 => new RequestTarget(group, version, null, tail[0], tail[1], null, legacyWatch),
            3 => new RequestTarget(group, version, null, tail[0], tail[1], tail[2], legacyWatch),
            _ => null,
        };
    }
}
