namespace VmNet.Addressing;

/// <summary>
/// Which subnet a pod's primary NIC belongs to (facts §2.3, §2.5): the pod's <c>logical_switch</c> annotation
/// first, then the namespace's bound subnets (its <c>logical_switch</c> annotation, first entry, or Subnets
/// listing the namespace in <c>spec.namespaces</c>), then the default subnet.
/// </summary>
public static class SubnetChoice
{
    public static string Choose(
        IReadOnlyDictionary<string, string>? podAnnotations,
        IReadOnlyDictionary<string, string>? namespaceAnnotations,
        IEnumerable<string> subnetsBindingNamespace,
        string defaultSubnet)
    {
        var key = AnnotationKeys.For(AnnotationKeys.LogicalSwitch);
        if (podAnnotations is not null && podAnnotations.TryGetValue(key, out var fromPod) && !string.IsNullOrWhiteSpace(fromPod))
        {
            return fromPod.Trim();
        }

        if (namespaceAnnotations is not null && namespaceAnnotations.TryGetValue(key, out var fromNs)
            && fromNs.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) is { Length: > 0 } bound)
        {
            return bound[0];
        }

        return subnetsBindingNamespace.Order(StringComparer.Ordinal).FirstOrDefault() ?? defaultSubnet;
    }
}
