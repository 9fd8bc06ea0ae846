using System.Net;
using System.Net.Sockets;
using VmNet.Addressing;
using VmNet.Ipam;
using VmNet.Kube.Models;

namespace VmNet.Controller.Nodes;

/// <summary>What the node controller reads from a Node and how it names what it makes for it (facts §2.4, §4.6).</summary>
public static class NodeFacts
{
    public const string InternalIpType = "InternalIP";

    /// <summary>The node annotation naming its join port (no pod counterpart in <see cref="AnnotationKeys"/>).</summary>
    public const string PortNameAnnotation = "ovn.kubernetes.io/port_name";

    /// <summary>The join port, IP CR and IPAM NIC key of a node: <c>node-&lt;node&gt;</c>.</summary>
    public static string PortName(string node) => "node-" + node;

    /// <summary>
    /// The IPAM owner key of a node's join address. It is what <see cref="Ips.IpResources.ToRecord"/> derives from
    /// the node's IP CR (no namespace, podName = node name), so the rebuild at start registers the same owner.
    /// </summary>
    public static string OwnerKey(string node) => PortNames.OwnerKey(string.Empty, node);

    /// <summary>The node's InternalIP addresses from <c>status.addresses</c>, at most one per family, in order.</summary>
    public static IReadOnlyList<IPAddress> InternalIps(V1Node node)
    {
        var found = new List<IPAddress>();
        foreach (var address in node.Status?.Addresses ?? [])
        {
            if (address.Type == InternalIpType && IPAddress.TryParse(address.Address?.Trim(), out var ip)
                && ip.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6
                && found.All(f => f.AddressFamily != ip.AddressFamily))
            {
                found.Add(ip);
            }
        }

        return found;
    }

    /// <summary>
    /// The join allocation the node's annotations record, when they name <paramref name="joinSubnet"/>: used to keep
    /// a node's join IP when its IP CR is gone (a cluster taken over from Kube-OVN, or a CR deleted by hand).
    /// </summary>
    public static (IReadOnlyList<string> Ips, string? Mac)? AnnotatedJoinAddress(V1Node node, string joinSubnet)
    {
        var annotations = node.Metadata?.Annotations;
        if (annotations is null
            || annotations.GetValueOrDefault(AnnotationKeys.For(AnnotationKeys.LogicalSwitch)) != joinSubnet
            || annotations.GetValueOrDefault(AnnotationKeys.For(AnnotationKeys.IpAddress)) is not { Length: > 0 } ips)
        {
            return null;
        }

        var mac = annotations.GetValueOrDefault(AnnotationKeys.For(AnnotationKeys.MacAddress));
        return (AllocationRequest.SplitIpAnnotation(ips), string.IsNullOrWhiteSpace(mac) ? null : mac);
    }

    /// <summary>The node annotations Kube-OVN's controller writes for the join port (facts §2.4), all in one patch.</summary>
    public static Dictionary<string, string> JoinAnnotations(string node, Allocation allocation, SubnetDefinition join) => new(StringComparer.Ordinal)
    {
        [AnnotationKeys.For(AnnotationKeys.IpAddress)] = allocation.IpAddressAnnotation,
        [AnnotationKeys.For(AnnotationKeys.MacAddress)] = allocation.Mac?.ToString() ?? string.Empty,
        [AnnotationKeys.For(AnnotationKeys.Cidr)] = join.CidrBlock,
        [AnnotationKeys.For(AnnotationKeys.Gateway)] = join.Gateway,
        [AnnotationKeys.For(AnnotationKeys.LogicalSwitch)] = join.Name,
        [PortNameAnnotation] = PortName(node),
        [AnnotationKeys.For(AnnotationKeys.Allocated)] = "true",
    };

    /// <summary>The changes that make <paramref name="current"/> carry <paramref name="desired"/> (empty when it does).</summary>
    public static Dictionary<string, string> Diff(IReadOnlyDictionary<string, string> desired, IReadOnlyDictionary<string, string>? current) =>
        desired.Where(p => current?.GetValueOrDefault(p.Key) != p.Value).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
}
