namespace VmNet.Multus;

/// <summary>Kube-OVN provider naming for attachments (facts §2.1).</summary>
public static class ProviderNames
{
    public const string Ovn = "ovn";

    /// <summary><c>&lt;nad&gt;.&lt;ns&gt;.ovn</c>, with <c>.&lt;iface&gt;</c> when the same NAD is attached several times.</summary>
    public static string OvnAttachment(string nadName, string nadNamespace, string? perInterface = null) =>
        perInterface is null ? $"{nadName}.{nadNamespace}.{Ovn}" : $"{nadName}.{nadNamespace}.{Ovn}.{perInterface}";

    /// <summary><c>&lt;nad&gt;.&lt;ns&gt;</c> for an IPAM-only attachment.</summary>
    public static string IpamOnly(string nadName, string nadNamespace) => $"{nadName}.{nadNamespace}";

    /// <summary>Kube-OVN's <c>IsOvnProvider</c>: <c>""</c>, <c>ovn</c>, or exactly three dot-fields ending in <c>ovn</c>.</summary>
    public static bool IsOvnProvider(string? provider)
    {
        if (string.IsNullOrEmpty(provider) || provider == Ovn)
        {
            return true;
        }

        var fields = provider.Split('.');
        return fields.Length == 3 && fields[2] == Ovn;
    }

    /// <summary>The Subnet provider an attachment provider matches: <c>.&lt;iface&gt;</c> stripped (facts §2.1).</summary>
    public static string SubnetProviderOf(string provider)
    {
        var fields = provider.Split('.');
        return fields.Length == 4 && fields[2] == Ovn ? string.Join('.', fields[..3]) : provider;
    }
    /// <summary>
    /// The provider a CNI call serves: Multus sends the NAD's own provider (<c>&lt;nad&gt;.&lt;ns&gt;.ovn</c>) even when the
    /// same NAD is attached several times; the pod's keys then use <c>&lt;provider&gt;.&lt;ifName&gt;</c> (facts §2.1), which
    /// wins when the controller allocated it.
    /// </summary>
    public static string ForInterface(string provider, string ifName, IReadOnlyDictionary<string, string>? annotations)
    {
        ArgumentNullException.ThrowIfNull(provider);
        var perInterface = $"{provider}.{ifName}";
        return provider != Ovn && IsOvnProvider(provider) && annotations is not null && annotations.ContainsKey($"{perInterface}.kubernetes.io/allocated")
            ? perInterface
            : provider;
    }
}
