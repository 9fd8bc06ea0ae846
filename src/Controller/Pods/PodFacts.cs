using VmNet.Addressing;
using VmNet.Ipam;
using VmNet.Kube.Models;
using VmNet.KubeVirt;

namespace VmNet.Controller.Pods;

/// <summary>
/// What the addressing reconcilers read of a pod: whether it is alive (not finished), host-networked, a VM
/// launcher (and which VM), and the port name / owner key / podType its addresses are kept under.
/// </summary>
public sealed record PodFacts(string Namespace, string Name, VmPodIdentity? Vm, string PortName, string OwnerKey, string PodType)
{
    public bool IsVmPod => Vm is not null;

    /// <summary>The IP CR's podName: the VM name for VM pods, else the pod name.</summary>
    public string OwnerName => Vm?.VmName ?? Name;

    public string OwnerKind => IsVmPod ? IpCrLabels.VirtualMachineOwner : IpCrLabels.PodOwner;

    public static PodFacts Of(V1Pod pod, bool keepVmIp)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var ns = pod.Metadata?.Namespace ?? string.Empty;
        var name = pod.Metadata?.Name ?? string.Empty;
        var vm = keepVmIp ? VmPodIdentity.Recognize(ns, OwnersOf(pod.Metadata), pod.Metadata?.Annotations) : null;
        return vm is not null
            ? new PodFacts(ns, name, vm, vm.PortName(), vm.OwnerKey, IpamRecord.VirtualMachine)
            : new PodFacts(ns, name, null, PortNames.PortName(name, ns, AnnotationKeys.DefaultProvider), PortNames.OwnerKey(ns, name), string.Empty);
    }

    /// <summary>Finished pods (Succeeded/Failed, e.g. a stopped virt-launcher with restartPolicy Never) hold no address.</summary>
    public static bool IsAlive(V1Pod pod) => pod.Status?.Phase is not ("Succeeded" or "Failed");

    public static bool IsHostNetwork(V1Pod pod) => pod.Spec?.HostNetwork == true;

    public static IReadOnlyList<OwnerReference> OwnersOf(V1ObjectMeta? meta) =>
        meta?.OwnerReferences is { } refs ? [.. refs.Select(r => new OwnerReference(r.ApiVersion, r.Kind, r.Name, r.Uid))] : [];

    /// <summary>The VM a launcher pod belongs to, regardless of keep-vm-ip.</summary>
    public static VmPodIdentity? VmOf(V1Pod pod) =>
        VmPodIdentity.Recognize(pod.Metadata?.Namespace ?? string.Empty, OwnersOf(pod.Metadata), pod.Metadata?.Annotations);
}
