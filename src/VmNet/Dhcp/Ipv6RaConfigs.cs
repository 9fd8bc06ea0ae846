namespace VmNet.Dhcp;

/// <summary>
/// LRP <c>ipv6_ra_configs</c> from Subnet <c>ipv6RAConfigs</c> (facts §5.6): user <c>k=v,...</c> over the
/// defaults <c>address_mode=dhcpv6_stateful, max_interval=30, min_interval=5, send_periodic=true</c>.
/// </summary>
public static class Ipv6RaConfigs
{
    public static readonly IReadOnlySet<string> AddressModes = new HashSet<string>(StringComparer.Ordinal) { "slaac", "dhcpv6_stateful", "dhcpv6_stateless" };

    public static Dictionary<string, string> Build(string field, string? userConfigs)
    {
        var configs = DhcpOptionString.Parse(field, userConfigs);
        if (configs.TryGetValue("address_mode", out var mode) && !AddressModes.Contains(mode))
        {
            throw new DhcpOptionsException(field, $"address_mode={mode}", "must be slaac, dhcpv6_stateful or dhcpv6_stateless");
        }

        configs.TryAdd("address_mode", "dhcpv6_stateful");
        configs.TryAdd("max_interval", "30");
        configs.TryAdd("min_interval", "5");
        configs.TryAdd("send_periodic", "true");
        return configs;
    }
}
