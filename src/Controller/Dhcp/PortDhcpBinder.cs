using VmNet.Ovsdb.Client;
using VmNet.Ovsdb.Northbound;
using VmNet.Ovsdb.Operations;

namespace VmNet.Controller.Dhcp;

/// <summary>
/// Points a Logical_Switch_Port's <c>dhcpv4_options</c>/<c>dhcpv6_options</c> at the given rows, only for the
/// families the port has an address of (facts §5.6); null clears. One transaction; nothing when unchanged.
/// </summary>
public sealed class PortDhcpBinder(OvsdbClient northbound)
{
    public async Task<bool> BindAsync(string portName, Guid? v4, Guid? v6, CancellationToken cancellationToken)
    {
        var row = northbound.Cache.FindByName(LogicalSwitchPort.Table, portName).FirstOrDefault();
        if (row is null)
        {
            return false;
        }

        var port = LogicalSwitchPort.FromRow(row);
        var (hasV4, hasV6) = Families(port);
        var want4 = hasV4 ? v4 : null;
        var want6 = hasV6 ? v6 : null;
        if (port.Dhcpv4Options == want4 && port.Dhcpv6Options == want6)
        {
            return false;
        }

        await northbound.TransactAsync(
        [
            Ops.Update(LogicalSwitchPort.Table, port.Uuid, new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["dhcpv4_options"] = want4,
                ["dhcpv6_options"] = want6,
            }),
        ], cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Families in the port's <c>addresses</c> (<c>"mac ip4 ip6"</c>).</summary>
    public static (bool V4, bool V6) Families(LogicalSwitchPort port)
    {
        var v4 = false;
        var v6 = false;
        foreach (var token in port.Addresses.SelectMany(a => a.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Skip(1))
        {
            if (System.Net.IPAddress.TryParse(token, out var ip))
            {
                v4 |= ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork;
                v6 |= ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
            }
        }

        return (v4, v6);
    }
}
