using VmNet.Addressing;
using VmNet.Ipam;
using VmNet.Kube.Models;

namespace VmNet.Controller.Ips;

/// <summary>Builds and reads Kube-OVN IP custom resources (facts §3.2): name = port name = IPAM NIC key.</summary>
public static class IpResources
{
    /// <summary>The IP CR for an allocation: spec as Kube-OVN writes it, labels, and the release finalizer.</summary>
    public static V1IP Build(Allocation allocation, string ns, string podName, string? nodeName, string? containerId, string ownerKind)
    {
        ArgumentNullException.ThrowIfNull(allocation);
        return new V1IP
        {
            ApiVersion = "kubeovn.io/v1",
            Kind = "IP",
            Metadata = new V1ObjectMeta
            {
                Name = allocation.NicKey,
                Labels = IpCrLabels.For(allocation.Subnet, nodeName, ownerKind),
                Finalizers = [IpCrLabels.Finalizer],
            },
            Spec = BuildSpec(allocation, ns, podName, nodeName, containerId),
        };
    }

    public static V1IPSpec BuildSpec(Allocation allocation, string ns, string podName, string? nodeName, string? containerId) => new()
    {
        PodName = podName,
        Namespace = ns,
        Subnet = allocation.Subnet,
        NodeName = nodeName ?? string.Empty,
        IpAddress = allocation.IpAddressAnnotation,
        V4IpAddress = allocation.V4?.ToString() ?? string.Empty,
        V6IpAddress = allocation.V6?.ToString() ?? string.Empty,
        MacAddress = allocation.Mac?.ToString() ?? string.Empty,
        PodType = allocation.PodType,
        ContainerID = containerId ?? string.Empty,
        AttachIps = [],
        AttachMacs = [],
        AttachSubnets = [],
    };

    /// <summary>True when the CR already records exactly this allocation for this owner and node.</summary>
    public static bool Matches(V1IP ip, Allocation allocation, string ns, string podName, string? nodeName)
    {
        var spec = ip.Spec;
        return spec is not null
            && spec.Subnet == allocation.Subnet
            && spec.Namespace == ns
            && spec.PodName == podName
            && (spec.IpAddress ?? string.Empty) == allocation.IpAddressAnnotation
            && (spec.MacAddress ?? string.Empty) == (allocation.Mac?.ToString() ?? string.Empty)
            && (spec.PodType ?? string.Empty) == allocation.PodType
            && (string.IsNullOrEmpty(nodeName) || spec.NodeName == nodeName);
    }

    /// <summary>The IPAM record an IP CR persists (for rebuild and for user reservations).</summary>
    public static IpamRecord? ToRecord(V1IP ip)
    {
        var spec = ip.Spec;
        var name = ip.Metadata?.Name;
        if (spec is null || string.IsNullOrEmpty(name) || string.IsNullOrEmpty(spec.Subnet))
        {
            return null;
        }

        var ips = !string.IsNullOrEmpty(spec.IpAddress)
            ? AllocationRequest.SplitIpAnnotation(spec.IpAddress)
            : new[] { spec.V4IpAddress, spec.V6IpAddress }.Where(a => !string.IsNullOrEmpty(a)).Select(a => a!).ToArray();
        var owner = PortNames.OwnerKey(spec.Namespace ?? string.Empty, string.IsNullOrEmpty(spec.PodName) ? name : spec.PodName);
        return new IpamRecord(spec.Subnet, name, owner, ips, string.IsNullOrEmpty(spec.MacAddress) ? null : spec.MacAddress, spec.PodType ?? string.Empty);
    }

    public static string? OwnerKind(V1IP ip) => ip.Metadata?.Labels?.GetValueOrDefault(IpCrLabels.OwnerKind);

    public static bool IsReserved(V1IP ip) => ip.Metadata?.Labels?.GetValueOrDefault(IpCrLabels.IpReserved) == "true";

    public static bool IsDeleting(V1IP ip) => ip.Metadata?.DeletionTimestamp is not null;

    public static bool HasFinalizer(V1IP ip) => ip.Metadata?.Finalizers?.Contains(IpCrLabels.Finalizer) == true;
}
