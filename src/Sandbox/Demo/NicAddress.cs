using System.Text.Json.Nodes;
using VmNet.Ipam;

namespace VmNet.Sandbox.Demo;

/// <summary>
/// One NIC's address as the controller wrote it on the launcher pod (<c>&lt;provider&gt;.kubernetes.io/*</c>
/// annotations) and the pod interface it belongs to (eth0 for the default network, net&lt;n&gt; for Multus).
/// </summary>
public sealed record NicAddress(string Interface, string Provider, string LogicalPort, string Ip, string Mac, string Cidr, string Gateway, string Switch)
{
    public string IpCidr => Ip + "/" + Cidr.Split('/')[1];

    public bool IsDefault => Provider == PortNames.DefaultProvider;

    /// <summary>Every NIC of the pod, or null while the controller has not addressed all of them yet.</summary>
    public static IReadOnlyList<NicAddress>? AllOf(JsonNode pod, string vm, IReadOnlyList<SecondaryNetwork> secondary)
    {
        ArgumentNullException.ThrowIfNull(pod);
        ArgumentNullException.ThrowIfNull(secondary);
        var annotations = pod["metadata"]?["annotations"] as JsonObject;
        var ns = pod["metadata"]?["namespace"]?.GetValue<string>() ?? string.Empty;
        var nics = new List<NicAddress>();
        foreach (var (iface, provider) in secondary.Select(s => (s.Interface, s.Provider)).Prepend(("eth0", PortNames.DefaultProvider)))
        {
            string? Get(string key) => annotations?[provider + ".kubernetes.io/" + key]?.GetValue<string>();
            if (Get("allocated") != "true" || Get("ip_address") is not { } ip || Get("mac_address") is not { } mac || Get("cidr") is not { } cidr)
            {
                return null;
            }

            nics.Add(new NicAddress(iface, provider, PortNames.PortName(vm, ns, provider), ip, mac, cidr, Get("gateway") ?? string.Empty, Get("logical_switch") ?? string.Empty));
        }

        return nics;
    }

    public override string ToString() => $"{Interface} {Ip} {Mac} (switch {Switch}, gateway {Gateway}, port {LogicalPort})";
}
