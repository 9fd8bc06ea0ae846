using System.Net;
using System.Net.Sockets;

namespace VmNet.Daemon;

/// <summary>Pod MTU from the tunnel NIC's MTU, as Kube-OVN computes it (facts §8.4 step 5, §10).</summary>
public static class Mtu
{
    public const int GeneveOverhead = 100;
    public const int VxlanOverhead = 50;
    public const int SttOverhead = 72;
    public const int Ipv6UnderlayExtra = 20;

    public static int PodMtu(int nodeMtu, string encapType, string? encapIp)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(nodeMtu, 68);
        var overhead = encapType switch
        {
            "geneve" => GeneveOverhead,
            "vxlan" => VxlanOverhead,
            "stt" => SttOverhead,
            _ => throw new ArgumentException($"encap type '{encapType}' is not geneve, vxlan or stt", nameof(encapType)),
        };
        if (encapIp is not null && IPAddress.TryParse(encapIp, out var ip) && ip.AddressFamily == AddressFamily.InterNetworkV6)
        {
            overhead += Ipv6UnderlayExtra;
        }

        return nodeMtu - overhead;
    }
}
