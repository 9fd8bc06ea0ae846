using VmNet.Cni;
using VmNet.Daemon.Pods;

namespace VmNet.Daemon.Cni;

/// <summary>The canonical (1.1) CNI result of an ADD: the interface, its addresses and the routes actually configured.</summary>
public static class ResultBuilder
{
    public static CniResult Build(DaemonRequest request, PodNetwork network, PodInterfaceSpec spec)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(spec);
        return new CniResult
        {
            Interfaces = [new CniInterface { Name = spec.IfName, Mac = network.Mac, Mtu = spec.Mtu, Sandbox = request.NetNs }],
            Ips = Ips(network, 0),
            Routes = spec.Routes.Select(r => new CniRoute
            {
                Dst = r.Destination?.ToString() ?? (r.Family == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "::/0" : "0.0.0.0/0"),
                Gw = r.Gateway?.ToString(),
            }).ToList(),
            Dns = request.Dns is { IsEmpty: false } dns ? dns : null,
        };
    }

    /// <summary>IPAM-only use: addresses and gateways, no interface.</summary>
    public static CniResult IpamOnly(PodNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        return new CniResult { Ips = Ips(network, null), Routes = [] };
    }

    private static List<CniIpConfig> Ips(PodNetwork network, int? interfaceIndex) =>
        network.Addresses.Select(a => new CniIpConfig
        {
            Address = a.ToString(),
            Gateway = network.Gateways.FirstOrDefault(g => g.AddressFamily == a.Address.AddressFamily)?.ToString(),
            Interface = interfaceIndex,
        }).ToList();
}
