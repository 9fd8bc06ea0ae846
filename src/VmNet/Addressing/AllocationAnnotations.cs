using VmNet.Ipam;

namespace VmNet.Addressing;

/// <summary>
/// The allocation annotations Kube-OVN's controller writes on a pod in one merge patch (facts §2.2), plus
/// <c>routed=true</c> once the pod is bound to a node.
/// </summary>
public static class AllocationAnnotations
{
    /// <summary>
    /// Desired values by key; a null value means "remove the key" (merge-patch semantics), used for a MAC
    /// that the allocation does not have.
    /// </summary>
    public static Dictionary<string, string?> Build(
        Allocation allocation,
        SubnetAddressing subnet,
        IReadOnlyDictionary<string, string>? current,
        string? vmName,
        bool routed)
    {
        ArgumentNullException.ThrowIfNull(allocation);
        ArgumentNullException.ThrowIfNull(subnet);
        var p = subnet.Provider;
        var desired = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            [AnnotationKeys.For(AnnotationKeys.IpAddress, p)] = allocation.IpAddressAnnotation,
            [AnnotationKeys.For(AnnotationKeys.MacAddress, p)] = allocation.Mac?.ToString(),
            [AnnotationKeys.For(AnnotationKeys.Cidr, p)] = subnet.CidrBlock,
            [AnnotationKeys.For(AnnotationKeys.Gateway, p)] = subnet.Gateway,
            [AnnotationKeys.For(AnnotationKeys.LogicalSwitch, p)] = subnet.Name,
            [AnnotationKeys.For(AnnotationKeys.Allocated, p)] = "true",
        };
        var nicTypeKey = AnnotationKeys.For(AnnotationKeys.PodNicType, p);
        if (current is null || !current.ContainsKey(nicTypeKey))
        {
            desired[nicTypeKey] = AnnotationKeys.DefaultPodNicType;
        }

        if (!string.IsNullOrEmpty(subnet.LogicalRouter))
        {
            desired[AnnotationKeys.For(AnnotationKeys.LogicalRouter, p)] = subnet.LogicalRouter;
        }

        if (!string.IsNullOrEmpty(vmName))
        {
            desired[AnnotationKeys.For(AnnotationKeys.VirtualMachine, p)] = vmName;
        }

        if (routed)
        {
            desired[AnnotationKeys.For(AnnotationKeys.Routed, p)] = "true";
        }

        return desired;
    }

    /// <summary>The subset of <paramref name="desired"/> that differs from <paramref name="current"/> (empty: nothing to patch).</summary>
    public static Dictionary<string, string?> Diff(IReadOnlyDictionary<string, string?> desired, IReadOnlyDictionary<string, string>? current)
    {
        var changes = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (key, value) in desired)
        {
            var has = current is not null && current.TryGetValue(key, out var existing) ? existing : null;
            if (!string.Equals(has, value, StringComparison.Ordinal))
            {
                changes[key] = value;
            }
        }

        return changes;
    }

    /// <summary>True when the pod already carries a completed allocation for <paramref name="provider"/>.</summary>
    public static bool IsAllocated(IReadOnlyDictionary<string, string>? annotations, string provider = AnnotationKeys.DefaultProvider) =>
        annotations is not null && annotations.TryGetValue(AnnotationKeys.For(AnnotationKeys.Allocated, provider), out var v) && v == "true";
}
