using System.Net;
using VmNet.Daemon.Netlink;

namespace VmNet.Daemon.Node;

/// <summary>The join-network annotations the controller writes on the node (facts §2.4).</summary>
public sealed record NodeAnnotations(IReadOnlyList<InterfaceAddress> Addresses, string Mac, IReadOnlyList<IPAddress> Gateways, string PortName)
{
    public const string Chassis = "ovn.kubernetes.io/chassis";
    public const string IpAddress = "ovn.kubernetes.io/ip_address";
    public const string MacAddress = "ovn.kubernetes.io/mac_address";
    public const string Cidr = "ovn.kubernetes.io/cidr";
    public const string Gateway = "ovn.kubernetes.io/gateway";
    public const string PortNameKey = "ovn.kubernetes.io/port_name";
    public const string Allocated = "ovn.kubernetes.io/allocated";

    /// <summary>True when both name the same port, MAC, addresses and gateways (list contents, not references).</summary>
    public bool SameAllocation(NodeAnnotations other) =>
        other is not null && PortName == other.PortName && Mac == other.Mac
        && Addresses.SequenceEqual(other.Addresses) && Gateways.SequenceEqual(other.Gateways);

    /// <summary>Null (with the first missing key) until the controller has allocated the join address.</summary>
    public static NodeAnnotations? TryParse(string nodeName, IReadOnlyDictionary<string, string>? annotations, out string? missingKey)
    {
        annotations ??= new Dictionary<string, string>();
        string? Get(string key) => annotations.TryGetValue(key, out var v) && !string.IsNullOrWhiteSpace(v) ? v.Trim() : null;
        var ips = Get(IpAddress);
        var mac = Get(MacAddress);
        var cidr = Get(Cidr);
        missingKey = ips is null ? IpAddress : mac is null ? MacAddress : cidr is null ? Cidr : null;
        if (missingKey is not null)
        {
            return null;
        }

        var cidrs = cidr!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(InterfaceAddress.Parse).ToList();
        var addresses = ips!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(IPAddress.Parse)
            .Select(ip => new InterfaceAddress(ip, cidrs.First(c => c.Address.AddressFamily == ip.AddressFamily).PrefixLength))
            .ToList();
        var gateways = (Get(Gateway) ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(IPAddress.Parse).ToList();
        return new NodeAnnotations(addresses, mac!.ToLowerInvariant(), gateways, Get(PortNameKey) ?? "node-" + nodeName);
    }
}
