using System.Globalization;
using System.Net;
using System.Text.Json;
using VmNet.Cni;
using VmNet.Daemon.Netlink;

namespace VmNet.Daemon.Pods;

/// <summary>
/// Reads the controller's allocation annotations of one provider. "Not there yet" is a normal answer
/// (the controller may not have run), reported as the first missing key; a value that is there but
/// malformed is an <see cref="PodAnnotationException"/> naming key and value.
/// </summary>
public static class PodNetworkParser
{
    /// <summary>Null and <paramref name="missingKey"/> set when the allocation is not complete yet.</summary>
    public static PodNetwork? TryParse(string provider, IReadOnlyDictionary<string, string>? annotations, out string? missingKey)
    {
        var keys = new PodAnnotationKeys(provider);
        annotations ??= new Dictionary<string, string>();
        string? Get(string key) => annotations.TryGetValue(key, out var v) && !string.IsNullOrWhiteSpace(v) ? v.Trim() : null;

        if (Get(keys.Allocated) != "true")
        {
            missingKey = keys.Allocated;
            return null;
        }

        var mac = Get(keys.MacAddress);
        var cidr = Get(keys.Cidr);
        var ips = Get(keys.IpAddress);
        var gateway = Get(keys.Gateway);
        var logicalSwitch = Get(keys.LogicalSwitch);
        // Kube-OVN writes logical_switch only for OVN subnets: an IPAM-only provider (<nad>.<ns>) served by a
        // non-OVN subnet is complete without it (facts §2.2).
        var needsSwitch = VmNet.Multus.ProviderNames.IsOvnProvider(VmNet.Multus.ProviderNames.SubnetProviderOf(provider));
        missingKey = mac is null ? keys.MacAddress
            : logicalSwitch is null && needsSwitch ? keys.LogicalSwitch
            : ips is not null && cidr is null ? keys.Cidr
            : ips is not null && gateway is null ? keys.Gateway
            : null;
        if (missingKey is not null)
        {
            return null;
        }

        var cidrs = Split(cidr).Select(c => ParseAddress(keys.Cidr, c)).ToList();
        var addresses = Split(ips).Select(ip => WithPrefix(keys, ParseIp(keys.IpAddress, ip), cidrs)).ToList();
        return new PodNetwork
        {
            Provider = provider,
            Addresses = addresses,
            Mac = ValidateMac(keys.MacAddress, mac!),
            Gateways = Split(gateway).Select(g => ParseIp(keys.Gateway, g)).ToList(),
            LogicalSwitch = logicalSwitch ?? string.Empty,
            VirtualMachine = Get(keys.VirtualMachine),
            DefaultRoute = Get(keys.DefaultRoute) is { } d ? ParseBool(keys.DefaultRoute, d) : null,
            Routes = Get(keys.Routes) is { } r ? ParseRoutes(keys.Routes, r) : [],
            MigrationTarget = Get(PodAnnotationKeys.MigrationJobName) is not null || Get(keys.ActivationStrategy) is not null,
            Qos = ParseQos(keys, Get),
        };
    }

    public static PodQos ParseQos(PodAnnotationKeys keys, Func<string, string?> get)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(get);
        return new PodQos(
            Rate(keys.IngressRate, get(keys.IngressRate)) ?? 0,
            Rate(keys.EgressRate, get(keys.EgressRate)) ?? 0,
            Rate(keys.IngressBurst, get(keys.IngressBurst)),
            Rate(keys.EgressBurst, get(keys.EgressBurst)));
    }

    public static PodQos ParseQos(string provider, IReadOnlyDictionary<string, string>? annotations)
    {
        annotations ??= new Dictionary<string, string>();
        return ParseQos(new PodAnnotationKeys(provider), k => annotations.TryGetValue(k, out var v) && !string.IsNullOrWhiteSpace(v) ? v.Trim() : null);
    }

    private static long? Rate(string key, string? value)
    {
        if (value is null)
        {
            return null;
        }

        if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var rate) || rate > 1_000_000)
        {
            throw new PodAnnotationException(key, value, "a whole number of Mbit/s between 0 and 1000000");
        }

        return rate;
    }

    private static IEnumerable<string> Split(string? value) =>
        value is null ? [] : value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static IPAddress ParseIp(string key, string value) =>
        IPAddress.TryParse(value, out var ip) ? ip : throw new PodAnnotationException(key, value, "an IP address");

    private static InterfaceAddress ParseAddress(string key, string value)
    {
        try
        {
            return InterfaceAddress.Parse(value);
        }
        catch (FormatException e)
        {
            throw new PodAnnotationException(key, value, "a CIDR: " + e.Message);
        }
    }

    private static InterfaceAddress WithPrefix(PodAnnotationKeys keys, IPAddress ip, IReadOnlyList<InterfaceAddress> cidrs)
    {
        var subnet = cidrs.FirstOrDefault(c => c.Address.AddressFamily == ip.AddressFamily);
        return subnet == default
            ? throw new PodAnnotationException(keys.Cidr, string.Join(",", cidrs), $"a CIDR of the family of {ip} ({keys.IpAddress})")
            : new InterfaceAddress(ip, subnet.PrefixLength);
    }

    private static string ValidateMac(string key, string value) =>
        System.Text.RegularExpressions.Regex.IsMatch(value, "^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$")
            ? value.ToLowerInvariant()
            : throw new PodAnnotationException(key, value, "a MAC address like 0a:58:0a:10:00:05");

    private static bool ParseBool(string key, string value) => value switch
    {
        "true" => true,
        "false" => false,
        _ => throw new PodAnnotationException(key, value, "\"true\" or \"false\""),
    };

    private static List<NetConfRoute> ParseRoutes(string key, string value)
    {
        List<NetConfRoute>? routes;
        try
        {
            routes = JsonSerializer.Deserialize(value, DaemonJsonContext.Default.ListNetConfRoute);
        }
        catch (JsonException e)
        {
            throw new PodAnnotationException(key, value, "a JSON array of {dst, gw}: " + e.Message);
        }

        foreach (var route in routes ?? [])
        {
            if (!string.IsNullOrEmpty(route.Dst))
            {
                ParseAddress(key, route.Dst);
            }

            if (!string.IsNullOrEmpty(route.Gw))
            {
                ParseIp(key, route.Gw);
            }
        }

        return routes ?? [];
    }
}

/// <summary>An allocation annotation is present but its value cannot be used.</summary>
public sealed class PodAnnotationException(string key, string value, string expected)
    : FormatException($"pod annotation {key}='{value}' is not {expected}")
{
    public string Key { get; } = key;

    public string Value { get; } = value;
}
