using System.Net;

namespace VmNet.Daemon.Netlink;

/// <summary>A route as RTM_NEWROUTE reports it. A null <see cref="Destination"/> is a default route.</summary>
/// <param name="Type">RTN_*: 1 unicast, 2 local, 3 broadcast, ...</param>
/// <param name="Protocol">RTPROT_*: 2 kernel, 3 boot, 4 static.</param>
/// <param name="Scope">RT_SCOPE_*: 0 universe, 253 link, 254 host.</param>
public sealed record RouteInfo(
    InterfaceAddress? Destination,
    IPAddress? Gateway,
    int? OutputInterfaceIndex,
    uint? Metric,
    uint Table,
    byte Type,
    byte Protocol,
    byte Scope,
    IPAddress? PreferredSource,
    uint Flags)
{
    public bool IsDefault => Destination is null;
}
