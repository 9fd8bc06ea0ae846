namespace VmNet.Dhcp;

/// <summary>
/// Per-pod DHCP overrides (facts §2.3, §5.6): <c>&lt;p&gt;.kubernetes.io/dhcp-v4-options</c> /
/// <c>dhcp-v6-options</c>; the underscore spellings <c>dhcp_v4_options</c> / <c>dhcp_v6_options</c> are accepted too.
/// Returns the key found (for errors) and its value, or null.
/// </summary>
public static class DhcpPodOverrides
{
    public static (string Key, string Value)? Find(IReadOnlyDictionary<string, string>? annotations, string provider, DhcpProtocol protocol)
    {
        if (annotations is null)
        {
            return null;
        }

        var family = protocol == DhcpProtocol.IPv4 ? "v4" : "v6";
        foreach (var key in new[] { $"{provider}.kubernetes.io/dhcp-{family}-options", $"{provider}.kubernetes.io/dhcp_{family}_options" })
        {
            if (annotations.TryGetValue(key, out var value) && !string.IsNullOrWhiteSpace(value))
            {
                return (key, value);
            }
        }

        return null;
    }
}
