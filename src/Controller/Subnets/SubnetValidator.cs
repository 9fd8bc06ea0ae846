using VmNet.Controller.Hosting;
using VmNet.Ipam;
using VmNet.Kube.Models;

namespace VmNet.Controller.Subnets;

/// <summary>
/// The controller's own subnet validation and formatting (Kube-OVN's formatSubnet + ValidateSubnet; the
/// webhook is advisory). CIDR, gateway and excludeIps go through the IPAM parsers so the controller and IPAM
/// can never disagree on what a spec means.
/// </summary>
public static class SubnetValidator
{
    private const int Ipv6MinimumMtu = 1280;

    /// <exception cref="SubnetValidationException">The field at fault, its value and the problem.</exception>
    public static ValidatedSubnet Validate(V1Subnet subnet, ControllerOptions options, Func<string, bool> vpcExists)
    {
        ArgumentNullException.ThrowIfNull(subnet);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(vpcExists);
        var name = subnet.Metadata?.Name ?? throw new SubnetValidationException("", "metadata.name", "", "is required");
        var spec = subnet.Spec ?? new V1SubnetSpec();
        if (vpcExists(name))
        {
            throw new SubnetValidationException(name, "metadata.name", name, $"is also the name of a vpc: subnet {name} and vpc {name} cannot have the same name");
        }

        var provider = string.IsNullOrWhiteSpace(spec.Provider) ? ControllerOptions.OvnProvider : spec.Provider.Trim();
        var isOvn = SubnetCatalog.IsOvnProvider(provider);
        if (string.IsNullOrWhiteSpace(spec.CidrBlock))
        {
            throw new SubnetValidationException(name, "spec.cidrBlock", spec.CidrBlock ?? "", "is required for an OVN subnet");
        }

        var definition = Parse(name, spec);
        var gatewayType = string.IsNullOrWhiteSpace(spec.GatewayType) ? "distributed" : spec.GatewayType;
        if (gatewayType is not ("distributed" or "centralized"))
        {
            throw new SubnetValidationException(name, "spec.gatewayType", gatewayType, "is not a valid gateway type (distributed|centralized)");
        }

        if (!string.IsNullOrEmpty(spec.Protocol) && spec.Protocol is not ("IPv4" or "IPv6" or "Dual" or "Mac"))
        {
            throw new SubnetValidationException(name, "spec.protocol", spec.Protocol, "is not a valid protocol type (IPv4|IPv6|Dual)");
        }

        if (spec.Mtu is { } mtu)
        {
            if (mtu < 0)
            {
                throw new SubnetValidationException(name, "spec.mtu", mtu.ToString(System.Globalization.CultureInfo.InvariantCulture), "must not be negative");
            }

            if (mtu > 0 && mtu < Ipv6MinimumMtu && definition[IpFamily.V6] is not null)
            {
                throw new SubnetValidationException(name, "spec.mtu", mtu.ToString(System.Globalization.CultureInfo.InvariantCulture), $"is below the IPv6 minimum {Ipv6MinimumMtu}");
            }
        }

        var vpc = string.IsNullOrWhiteSpace(spec.Vpc) ? (isOvn ? options.ClusterRouter : "") : spec.Vpc.Trim();
        return new ValidatedSubnet(name, definition, vpc, provider, definition.Protocol, gatewayType, FormatExcludeIps(spec.ExcludeIps ?? [], definition), string.IsNullOrEmpty(spec.Vlan) ? null : spec.Vlan);
    }

    /// <summary>
    /// Writes the formatted fields into <paramref name="spec"/> (CIDRs in network form, gateway filled,
    /// gateway in excludeIps and sorted, protocol, provider, vpc, gatewayType, enableLb). True when anything changed.
    /// </summary>
    public static bool ApplyFormat(V1SubnetSpec spec, ValidatedSubnet validated, ControllerOptions options)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(validated);
        ArgumentNullException.ThrowIfNull(options);
        var changed = false;
        changed |= Set(spec.CidrBlock, validated.CidrBlock, v => spec.CidrBlock = v);
        changed |= Set(spec.Gateway, validated.Gateway, v => spec.Gateway = v);
        changed |= Set(spec.Protocol, validated.Protocol, v => spec.Protocol = v);
        changed |= Set(spec.Provider, validated.Provider, v => spec.Provider = v);
        changed |= Set(spec.GatewayType, validated.GatewayType, v => spec.GatewayType = v);
        if (validated.Vpc.Length > 0)
        {
            changed |= Set(spec.Vpc, validated.Vpc, v => spec.Vpc = v);
        }

        if (!(spec.ExcludeIps ?? []).SequenceEqual(validated.ExcludeIps, StringComparer.Ordinal))
        {
            spec.ExcludeIps = [.. validated.ExcludeIps];
            changed = true;
        }

        if (spec.EnableLb is null && validated.Name != options.NodeSwitch)
        {
            spec.EnableLb = options.EnableLb;
            changed = true;
        }

        return changed;
    }

    private static SubnetDefinition Parse(string name, V1SubnetSpec spec)
    {
        try
        {
            return SubnetDefinition.Parse(new SubnetSpec(name, spec.CidrBlock ?? "")
            {
                Gateway = spec.Gateway,
                ExcludeIps = spec.ExcludeIps ?? [],
            });
        }
        catch (IpamException ex)
        {
            throw new SubnetValidationException(name, "spec." + ex.Field, ex.Value, Problem(ex));
        }
    }

    // The IPAM message is "<field>: "<value>" <problem>"; keep only the problem for our own wording.
    private static string Problem(IpamException ex)
    {
        var marker = $"\"{ex.Value}\" ";
        var at = ex.Message.IndexOf(marker, StringComparison.Ordinal);
        return at >= 0 ? ex.Message[(at + marker.Length)..] : ex.Message;
    }

    /// <summary>The user's excludeIps (trimmed, de-duplicated) plus each gateway not already covered, sorted by first address.</summary>
    private static List<string> FormatExcludeIps(IReadOnlyList<string> excludeIps, SubnetDefinition definition)
    {
        var entries = excludeIps.Select(e => e.Trim()).Where(e => e.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        foreach (var family in definition.Families)
        {
            if (!family.Excluded.Any(r => r.Contains(family.Gateway.Value)))
            {
                entries.Add(family.Gateway.ToString());
            }
        }

        return entries
            .OrderBy(e => StartOf(e).Family)
            .ThenBy(e => StartOf(e).Value)
            .ThenBy(e => e, StringComparer.Ordinal)
            .ToList();
    }

    private static IpAddr StartOf(string entry)
    {
        var end = entry.IndexOf("..", StringComparison.Ordinal);
        return IpAddr.TryParse(end >= 0 ? entry[..end] : entry, out var address) ? address : default;
    }

    private static bool Set(string? current, string desired, Action<string> set)
    {
        if (current == desired)
        {
            return false;
        }

        set(desired);
        return true;
    }
}
