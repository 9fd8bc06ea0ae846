namespace VmNet.Ipam;

/// <summary>Kube-OVN naming of IPAM keys (facts §4.6).</summary>
public static class PortNames
{
    public const string DefaultProvider = "ovn";

    /// <summary>
    /// LSP name = IP CR name = NIC key: <c>name.ns</c> for the default provider, else <c>name.ns.provider</c>.
    /// For a VM pod <paramref name="name"/> is the VM name.
    /// </summary>
    public static string PortName(string name, string ns, string provider) =>
        string.IsNullOrEmpty(provider) || provider == DefaultProvider ? $"{name}.{ns}" : $"{name}.{ns}.{provider}";

    /// <summary>Pod key <c>ns/name</c> (<c>ns/vmName</c> for a VM).</summary>
    public static string OwnerKey(string ns, string name) => $"{ns}/{name}";
}
