namespace VmNet.Addressing;

/// <summary>
/// Labels on IP custom resources (facts §2.6): Kube-OVN's subnet / node / reservation labels, plus VmNet's
/// owner-kind label that marks the IP CRs the controller created (and may garbage-collect).
/// </summary>
public static class IpCrLabels
{
    public const string Subnet = "ovn.kubernetes.io/subnet";
    public const string NodeName = "ovn.kubernetes.io/node-name";
    public const string IpReserved = "ovn.kubernetes.io/ip_reserved";
    public const string OwnerKind = "vmnet.io/owner-kind";

    /// <summary>Finalizer on IP CRs: deleting one releases its port and address first (facts §1).</summary>
    public const string Finalizer = "kubeovn.io/kube-ovn-controller";

    public const string PodOwner = "Pod";
    public const string VirtualMachineOwner = "VirtualMachine";

    /// <summary>A node's join address <c>node-&lt;node&gt;</c> (spec.podName = node name, no namespace).</summary>
    public const string NodeOwner = "Node";

    /// <summary>The labels of a controller-created IP CR, in Kube-OVN's set plus the owner kind.</summary>
    public static Dictionary<string, string> For(string subnet, string? nodeName, string ownerKind)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [Subnet] = subnet,
            [subnet] = string.Empty,
            [IpReserved] = "false",
            [OwnerKind] = ownerKind,
        };
        if (!string.IsNullOrEmpty(nodeName))
        {
            labels[NodeName] = nodeName;
        }

        return labels;
    }
}
