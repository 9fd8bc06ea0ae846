using VmNet.Addressing;
using VmNet.Ipam;

namespace VmNet.KubeVirt;

/// <summary>
/// A virt-launcher pod's VM: recognised by an ownerReference of kind <c>VirtualMachineInstance</c> in group
/// <c>kubevirt.io</c> (facts §5.1; labels are not used). The VMI name is the VM name. With keep-vm-ip every
/// launcher of the VM maps to the port <c>vm.ns</c> and the owner key <c>ns/vm</c> (facts §5.2).
/// </summary>
public sealed record VmPodIdentity(string Namespace, string VmName, bool IsMigrationTarget)
{
    public const string KubeVirtGroup = "kubevirt.io";
    public const string VirtualMachineInstanceKind = "VirtualMachineInstance";
    public const string VirtualMachineKind = "VirtualMachine";

    public string PortName(string provider = AnnotationKeys.DefaultProvider) => PortNames.PortName(VmName, Namespace, provider);

    public string OwnerKey => PortNames.OwnerKey(Namespace, VmName);

    /// <summary>The VM identity of a pod, or null for an ordinary pod.</summary>
    public static VmPodIdentity? Recognize(string podNamespace, IEnumerable<OwnerReference>? owners, IReadOnlyDictionary<string, string>? annotations)
    {
        var vmi = owners?.FirstOrDefault(o => o.Kind == VirtualMachineInstanceKind && IsKubeVirtApiVersion(o.ApiVersion));
        if (vmi is null || string.IsNullOrEmpty(vmi.Name))
        {
            return null;
        }

        var migrating = annotations is not null
            && annotations.TryGetValue(AnnotationKeys.MigrationJobName, out var job) && !string.IsNullOrEmpty(job);
        return new VmPodIdentity(podNamespace, vmi.Name, migrating);
    }

    /// <summary>True for <c>kubevirt.io/&lt;version&gt;</c> (not for look-alike groups such as <c>pool.kubevirt.io</c>).</summary>
    public static bool IsKubeVirtApiVersion(string? apiVersion) =>
        apiVersion is not null && apiVersion.StartsWith(KubeVirtGroup + "/", StringComparison.Ordinal);

    /// <summary>The VM owning a VMI, if any (an ephemeral VMI has none).</summary>
    public static string? VmOwnerOf(IEnumerable<OwnerReference>? vmiOwners) =>
        vmiOwners?.FirstOrDefault(o => o.Kind == VirtualMachineKind && IsKubeVirtApiVersion(o.ApiVersion))?.Name;
}
