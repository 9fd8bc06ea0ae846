namespace VmNet.KubeVirt;

/// <summary>
/// What the controller knows of a VM when deciding the fate of its addresses: whether the VirtualMachine
/// and its VirtualMachineInstance exist or are being deleted, whether the VMI has a VM owner, the subnet
/// the VM's template asks for (template <c>logical_switch</c> annotation, else the namespace binding / default),
/// and whether a launcher pod of it is alive right now.
/// </summary>
public sealed record VmState
{
    /// <summary>False when KubeVirt is not installed or the VM informer has not synced: nothing can be concluded.</summary>
    public bool VmKnown { get; init; } = true;

    public bool VmExists { get; init; }

    public bool VmDeleting { get; init; }

    public bool VmiExists { get; init; }

    public bool VmiDeleting { get; init; }

    public bool VmiHasVmOwner { get; init; }

    public string? DesiredSubnet { get; init; }

    public bool HasLiveLauncherPod { get; init; }
}
