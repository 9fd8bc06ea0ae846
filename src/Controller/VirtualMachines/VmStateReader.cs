using VmNet.Addressing;
using VmNet.Controller.Pods;
using VmNet.Kube.Models;
using VmNet.KubeVirt;

namespace VmNet.Controller.VirtualMachines;

/// <summary>Builds a <see cref="VmState"/> from the informer caches (VM, VMI, launcher pods, namespace binding).</summary>
public sealed class VmStateReader(AddressingContext context)
{
    public const string PodsByVmIndex = "vmnet/vm";

    /// <summary>Index function for the pod informer: launcher pods by <c>ns/vm</c>.</summary>
    public static IEnumerable<string> IndexPodByVm(V1Pod pod) =>
        PodFacts.VmOf(pod) is { } vm ? [vm.OwnerKey] : [];

    public VmState Read(string ns, string vmName)
    {
        var vms = context.VirtualMachines;
        var vmis = context.VirtualMachineInstances;
        if (vms is null || vmis is null)
        {
            // KubeVirt is not installed: no VM can exist, only launcher-looking pods keep addresses.
            return new VmState { HasLiveLauncherPod = HasLiveLauncher(ns, vmName) };
        }

        if (!vms.HasSynced || !vmis.HasSynced)
        {
            return new VmState { VmKnown = false, HasLiveLauncherPod = HasLiveLauncher(ns, vmName) };
        }

        var vm = vms.Indexer.Get(ns, vmName);
        var vmi = vmis.Indexer.Get(ns, vmName);
        return new VmState
        {
            VmExists = vm is not null,
            VmDeleting = vm?.Metadata?.DeletionTimestamp is not null,
            VmiExists = vmi is not null,
            VmiDeleting = vmi?.Metadata?.DeletionTimestamp is not null,
            VmiHasVmOwner = vmi is not null && VmPodIdentity.VmOwnerOf(PodFacts.OwnersOf(vmi.Metadata)) is not null,
            DesiredSubnet = vm is null ? null : DesiredSubnet(vm),
            HasLiveLauncherPod = HasLiveLauncher(ns, vmName),
        };
    }

    /// <summary>The template's <c>logical_switch</c> annotation, else the namespace binding / default subnet.</summary>
    public string DesiredSubnet(V1VirtualMachine vm)
    {
        var probe = new V1Pod
        {
            Metadata = new V1ObjectMeta { Namespace = vm.Metadata?.Namespace, Annotations = vm.Spec?.Template?.Metadata?.Annotations },
        };
        return context.ChooseSubnet(probe);
    }

    public bool HasLiveLauncher(string ns, string vmName) =>
        context.Pods.Indexer.ByIndex(PodsByVmIndex, $"{ns}/{vmName}").Any(p => PodFacts.IsAlive(p) && p.Metadata?.DeletionTimestamp is null);

    /// <summary>The IP CR names the VM's addresses are kept under (the default network's port).</summary>
    public static string PortName(string ns, string vmName) => Ipam.PortNames.PortName(vmName, ns, AnnotationKeys.DefaultProvider);
}
