namespace VmNet.Multus;

/// <summary>
/// Which attachment providers a VM's template still selects (facts §5.2): the NADs named by the template's
/// <c>k8s.v1.cni.cncf.io/networks</c> / <c>v1.multus-cni.io/default-network</c> annotations and by
/// <c>spec.template.spec.networks[].multus.networkName</c> (KubeVirt turns those into the launcher's selection).
/// A provider belongs to a NAD when it is <c>&lt;nad&gt;.&lt;ns&gt;</c> (IPAM-only) or starts with <c>&lt;nad&gt;.&lt;ns&gt;.</c>
/// (<c>.ovn</c>, <c>.ovn.&lt;iface&gt;</c>), so KubeVirt's generated interface names need not be predicted.
/// </summary>
public sealed class VmTemplateNetworks
{
    private readonly HashSet<string> _nadPrefixes;

    private VmTemplateNetworks(HashSet<string> nadPrefixes) => _nadPrefixes = nadPrefixes;

    /// <summary>Null when the template's selection cannot be read (then nothing may be judged stale).</summary>
    public static VmTemplateNetworks? From(string vmNamespace, IReadOnlyDictionary<string, string>? templateAnnotations, IEnumerable<string> multusNetworkNames)
    {
        ArgumentNullException.ThrowIfNull(multusNetworkNames);
        var prefixes = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            foreach (var selection in NetworkSelectionParser.ParseNetworks(templateAnnotations, vmNamespace))
            {
                prefixes.Add(ProviderNames.IpamOnly(selection.Name, selection.Namespace));
            }

            if (NetworkSelectionParser.ParseDefaultNetwork(templateAnnotations, vmNamespace) is { } defaultNetwork)
            {
                prefixes.Add(ProviderNames.IpamOnly(defaultNetwork.Name, defaultNetwork.Namespace));
            }

            foreach (var name in multusNetworkNames.Where(n => !string.IsNullOrWhiteSpace(n)))
            {
                foreach (var selection in NetworkSelectionParser.Parse("spec.template.spec.networks[].multus.networkName", name, vmNamespace))
                {
                    prefixes.Add(ProviderNames.IpamOnly(selection.Name, selection.Namespace));
                }
            }
        }
        catch (MultusException)
        {
            return null;
        }

        return new VmTemplateNetworks(prefixes);
    }

    /// <summary>Whether the template still selects the NAD that <paramref name="provider"/> was allocated for.</summary>
    public bool Selects(string provider)
    {
        ArgumentNullException.ThrowIfNull(provider);
        return _nadPrefixes.Any(p => provider == p || provider.StartsWith(p + ".", StringComparison.Ordinal));
    }
}
