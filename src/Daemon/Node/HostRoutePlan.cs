using System.Net;
using VmNet.Daemon.Netlink;
using VmNet.Kube.Models;

namespace VmNet.Daemon.Node;

/// <summary>
/// The routes the node's own namespace needs toward the overlay (facts §10): the join CIDR on-link through
/// ovn0, and every validated default-VPC overlay Subnet CIDR <c>via &lt;join gateway&gt; dev ovn0</c>, except
/// a subnet holding the node's own InternalIP (routing it to ovn0 would cut the node off its network).
/// </summary>
public static class HostRoutePlan
{
    /// <summary>Kube-OVN's default VPC name; the daemon's is <see cref="DaemonOptions.ClusterRouter"/> (<c>--cluster-router</c>).</summary>
    public const string DefaultClusterRouter = "ovn-cluster";
    public const string OvnProvider = "ovn";

    /// <summary>The on-link route(s) of the join CIDR(s) through <paramref name="device"/>.</summary>
    public static IReadOnlyList<RouteSpec> JoinRoutes(NodeAnnotations join, string device) =>
        join.Addresses.Select(a => RouteSpec.OnLinkVia(new InterfaceAddress(a.Network, a.PrefixLength), device)).ToArray();

    /// <summary>
    /// The subnet routes via the join gateway of each family; a family without gateway gets none.
    /// <paramref name="clusterRouter"/> is the default VPC's name (a Subnet without <c>spec.vpc</c> belongs to it).
    /// </summary>
    public static IReadOnlyList<RouteSpec> SubnetRoutes(NodeAnnotations join, IEnumerable<V1Subnet> subnets, IReadOnlyList<IPAddress> nodeIps, string device, string clusterRouter)
    {
        ArgumentNullException.ThrowIfNull(join);
        ArgumentException.ThrowIfNullOrWhiteSpace(clusterRouter);
        var joinNetworks = join.Addresses.Select(a => new InterfaceAddress(a.Network, a.PrefixLength)).ToArray();
        var routes = new Dictionary<string, RouteSpec>(StringComparer.Ordinal);
        foreach (var subnet in subnets.Where(s => IsRoutedThroughOvn0(s, clusterRouter)))
        {
            var cidrs = ParseCidrs(subnet.Spec!.CidrBlock);
            if (cidrs.Any(c => nodeIps.Any(ip => Contains(c, ip))))
            {
                continue;
            }

            foreach (var cidr in cidrs.Where(c => !joinNetworks.Contains(c)))
            {
                var gateway = join.Gateways.FirstOrDefault(g => g.AddressFamily == cidr.Address.AddressFamily);
                if (gateway is not null)
                {
                    routes.TryAdd(cidr.ToString(), new RouteSpec { Destination = cidr, Gateway = gateway, InterfaceName = device });
                }
            }
        }

        return [.. routes.Values.OrderBy(r => r.Destination!.Value.ToString(), StringComparer.Ordinal)];
    }

    /// <summary>Kube-OVN's daemon routes overlay subnets of the default VPC that the controller validated.</summary>
    public static bool IsRoutedThroughOvn0(V1Subnet subnet, string clusterRouter)
    {
        ArgumentNullException.ThrowIfNull(subnet);
        var spec = subnet.Spec;
        return subnet.Metadata?.DeletionTimestamp is null
            && spec is not null
            && !string.IsNullOrWhiteSpace(spec.CidrBlock)
            && (string.IsNullOrEmpty(spec.Vpc) || spec.Vpc == clusterRouter)
            && (string.IsNullOrEmpty(spec.Provider) || spec.Provider == OvnProvider)
            && string.IsNullOrEmpty(spec.Vlan)
            && subnet.Status?.Conditions?.Any(c => c.Type == "Validated" && c.Status == "True") == true;
    }

    /// <summary>The networks of a <c>cidrBlock</c> (<c>v4</c> or <c>v4,v6</c>), host bits cleared; unparsable entries are skipped.</summary>
    public static IReadOnlyList<InterfaceAddress> ParseCidrs(string? cidrBlock)
    {
        var result = new List<InterfaceAddress>();
        foreach (var part in (cidrBlock ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            try
            {
                var cidr = InterfaceAddress.Parse(part);
                result.Add(new InterfaceAddress(cidr.Network, cidr.PrefixLength));
            }
            catch (FormatException)
            {
                // The controller rejects such a subnet; it is simply not routed here.
            }
        }

        return result;
    }

    public static bool Contains(InterfaceAddress network, IPAddress ip) =>
        ip.AddressFamily == network.Address.AddressFamily
        && new InterfaceAddress(ip, network.PrefixLength).Network.Equals(network.Network);
}
