using System.Net;
using System.Net.Sockets;

namespace VmNet.Daemon.Netlink;

/// <summary>
/// A route to add, replace or delete. A null <see cref="Destination"/> is the default route of the
/// family of <see cref="Gateway"/>; a route without gateway is an on-link (scope link) route through
/// <see cref="InterfaceName"/>.
/// </summary>
public sealed record RouteSpec
{
    /// <summary>Main routing table (RT_TABLE_MAIN).</summary>
    public const uint MainTable = 254;

    public InterfaceAddress? Destination { get; init; }

    public IPAddress? Gateway { get; init; }

    public string? InterfaceName { get; init; }

    /// <summary>RTA_PRIORITY, what `ip route` calls metric.</summary>
    public uint? Metric { get; init; }

    public uint Table { get; init; } = MainTable;

    /// <summary>RTA_PREFSRC: source address for traffic this host originates over the route.</summary>
    public IPAddress? PreferredSource { get; init; }

    /// <summary>RTAX_MTU in RTA_METRICS.</summary>
    public int? Mtu { get; init; }

    /// <summary>RTNH_F_ONLINK: the gateway is reachable on the interface even if no prefix covers it.</summary>
    public bool OnLink { get; init; }

    /// <summary>
    /// The address family, from the destination or else the gateway. A default route through a device
    /// without gateway names its family by giving Destination 0.0.0.0/0 or ::/0.
    /// </summary>
    public AddressFamily Family =>
        Destination?.Address.AddressFamily ?? Gateway?.AddressFamily
        ?? throw new InvalidOperationException($"route '{this}' has neither destination nor gateway, so its address family is unknown");

    public static RouteSpec DefaultVia(IPAddress gateway, string? interfaceName = null) =>
        new() { Gateway = gateway, InterfaceName = interfaceName };

    public static RouteSpec OnLinkVia(InterfaceAddress destination, string interfaceName) =>
        new() { Destination = destination, InterfaceName = interfaceName };

    public override string ToString()
    {
        var text = Destination is { } d ? new InterfaceAddress(d.Network, d.PrefixLength).ToString() : "default";
        if (Gateway is not null)
        {
            text += $" via {Gateway}";
        }

        if (InterfaceName is not null)
        {
            text += $" dev {InterfaceName}";
        }

        if (Table != MainTable)
        {
            text += $" table {Table}";
        }

        return Metric is { } metric ? $"{text} metric {metric}" : text;
    }
}
