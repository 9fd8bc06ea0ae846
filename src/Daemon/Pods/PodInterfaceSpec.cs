using System.Net;
using System.Net.NetworkInformation;
using VmNet.Daemon.Netlink;

namespace VmNet.Daemon.Pods;

/// <summary>One pod interface to create: veth host end <see cref="HostName"/>, pod end <see cref="IfName"/> in <see cref="NetnsPath"/>.</summary>
public sealed record PodInterfaceSpec
{
    public required string NetnsPath { get; init; }

    public required string IfName { get; init; }

    public required string HostName { get; init; }

    public required PhysicalAddress Mac { get; init; }

    public required int Mtu { get; init; }

    public required IReadOnlyList<InterfaceAddress> Addresses { get; init; }

    /// <summary>Routes in the pod; a null Destination is a default route.</summary>
    public required IReadOnlyList<RouteSpec> Routes { get; init; }

    /// <summary>Migration target: addresses go in without duplicate address detection.</summary>
    public bool NoDad { get; init; }
}

/// <summary>Builds the pod's routes: default route(s) per the default_route rule, then extra routes.</summary>
public static class PodRoutes
{
    /// <summary>Unset default_route means: only eth0 carries the default route (facts §2.3).</summary>
    public static bool CarriesDefaultRoute(PodNetwork network, string ifName) =>
        network?.DefaultRoute ?? ifName == "eth0";

    public static IReadOnlyList<RouteSpec> Build(PodNetwork network, string ifName, IEnumerable<VmNet.Cni.NetConfRoute> extra)
    {
        ArgumentNullException.ThrowIfNull(network);
        var routes = new List<RouteSpec>();
        if (CarriesDefaultRoute(network, ifName))
        {
            routes.AddRange(network.Gateways.Select(g => RouteSpec.DefaultVia(g, ifName)));
        }

        foreach (var route in network.Routes.Concat(extra ?? []))
        {
            var gateway = string.IsNullOrEmpty(route.Gw) ? null : IPAddress.Parse(route.Gw);
            InterfaceAddress? destination = string.IsNullOrEmpty(route.Dst) ? null : InterfaceAddress.Parse(route.Dst);
            if (destination is { PrefixLength: 0 })
            {
                destination = null;
            }

            if (destination is null && gateway is null)
            {
                continue;
            }

            // A default route given explicitly replaces the gateway default of that family.
            var spec = new RouteSpec { Destination = destination, Gateway = gateway, InterfaceName = ifName };
            if (destination is null)
            {
                routes.RemoveAll(r => r.Destination is null && r.Gateway!.AddressFamily == gateway!.AddressFamily);
            }

            routes.Add(spec);
        }

        return routes;
    }
}
