using VmNet.Ipam;

namespace VmNet.Dhcp;

/// <summary>
/// Builds the NB <c>DHCP_Options</c> content for a subnet (or one port) from the user's option string and the
/// subnet (facts §5.6). User options win; the keys OVN needs to answer at all are filled from defaults. The
/// random <c>server_mac</c> (v4) / <c>server_id</c> (v6) of the existing row is kept, so clients renewing
/// see the same server.
/// </summary>
public static class DhcpOptionsBuilder
{
    public const string DefaultLeaseTime = "3600";
    public const string DefaultV4ServerId = "169.254.0.254";

    public static DhcpOptionsSpec V4(DhcpSubnetInput subnet, string field, string? userOptions, IReadOnlyDictionary<string, string>? existing, Func<string> newMac, string? port = null)
    {
        ArgumentNullException.ThrowIfNull(subnet);
        ArgumentNullException.ThrowIfNull(newMac);
        var cidr = subnet.V4Cidr ?? throw new DhcpOptionsException(field, userOptions ?? string.Empty, $"needs an IPv4 CIDR but subnet {subnet.Name} has none");
        var options = DhcpOptionString.Parse(field, userOptions);
        ValidateAddress(field, options, "router", IpFamily.V4);
        ValidateAddress(field, options, "server_id", IpFamily.V4);
        if (options.TryGetValue("server_mac", out var mac))
        {
            try
            {
                options["server_mac"] = MacAddress.Parse(mac, field).ToString();
            }
            catch (InvalidIpamInputException)
            {
                throw new DhcpOptionsException(field, mac, "is not a valid server_mac");
            }
        }

        ValidateNumber(field, options, "lease_time", 1, int.MaxValue);
        ValidateNumber(field, options, "mtu", 68, 65535);
        options.TryAdd("lease_time", DefaultLeaseTime);
        if (!string.IsNullOrEmpty(subnet.V4Gateway))
        {
            options.TryAdd("router", subnet.V4Gateway);
        }

        options.TryAdd("server_id", DefaultV4ServerId);
        options.TryAdd("server_mac", existing is not null && existing.TryGetValue("server_mac", out var kept) && !string.IsNullOrEmpty(kept) ? kept : newMac());
        options.TryAdd("mtu", subnet.Mtu.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return new DhcpOptionsSpec(cidr, DhcpProtocol.IPv4, subnet.Name, port, options);
    }

    public static DhcpOptionsSpec V6(DhcpSubnetInput subnet, string field, string? userOptions, IReadOnlyDictionary<string, string>? existing, Func<string> newMac, string? port = null)
    {
        ArgumentNullException.ThrowIfNull(subnet);
        ArgumentNullException.ThrowIfNull(newMac);
        var cidr = subnet.V6Cidr ?? throw new DhcpOptionsException(field, userOptions ?? string.Empty, $"needs an IPv6 CIDR but subnet {subnet.Name} has none");
        var options = DhcpOptionString.Parse(field, userOptions);
        options.TryAdd("server_id", existing is not null && existing.TryGetValue("server_id", out var kept) && !string.IsNullOrEmpty(kept) ? kept : newMac());
        return new DhcpOptionsSpec(cidr, DhcpProtocol.IPv6, subnet.Name, port, options);
    }

    private static void ValidateAddress(string field, Dictionary<string, string> options, string key, IpFamily family)
    {
        if (options.TryGetValue(key, out var value) && (!IpAddr.TryParse(value, out var address, out _) || address.Family != family))
        {
            throw new DhcpOptionsException(field, $"{key}={value}", $"needs an {family.Name()} address");
        }
    }

    private static void ValidateNumber(string field, Dictionary<string, string> options, string key, int min, int max)
    {
        if (options.TryGetValue(key, out var value) && (!int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) || n < min || n > max))
        {
            throw new DhcpOptionsException(field, $"{key}={value}", $"must be a whole number between {min} and {max}");
        }
    }
}

/// <summary>What DHCP needs of a subnet: per-family CIDR and gateway, and the guest MTU (see <see cref="EncapOverhead"/>).</summary>
public sealed record DhcpSubnetInput(string Name, string? V4Cidr, string? V4Gateway, string? V6Cidr, string? V6Gateway, int Mtu)
{
    /// <summary>Splits Kube-OVN's <c>cidrBlock</c>/<c>gateway</c> (<c>v4,v6</c>) by family.</summary>
    public static DhcpSubnetInput From(string name, string cidrBlock, string? gateway, int mtu)
    {
        string? v4 = null, v6 = null, g4 = null, g6 = null;
        foreach (var part in cidrBlock.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var cidr = Cidr.Parse(part, "cidrBlock");
            if (cidr.Family == IpFamily.V4)
            {
                v4 = cidr.ToString();
            }
            else
            {
                v6 = cidr.ToString();
            }
        }

        foreach (var part in (gateway ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (IpAddr.TryParse(part, out var address, out _))
            {
                if (address.Family == IpFamily.V4)
                {
                    g4 = address.ToString();
                }
                else
                {
                    g6 = address.ToString();
                }
            }
        }

        return new DhcpSubnetInput(name, v4, g4, v6, g6, mtu);
    }
}
