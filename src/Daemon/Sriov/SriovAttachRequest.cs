using VmNet.Daemon.Ovs;
using VmNet.Daemon.Pods;

namespace VmNet.Daemon.Sriov;

/// <summary>One VF to attach: the pod side as for a veth (<see cref="Pod"/>; its HostName is the representor's new name) and the OVS port.</summary>
public sealed record SriovAttachRequest
{
    /// <summary>The VF's PCI address (netconf/runtimeConfig/CNI_ARGS <c>deviceID</c>).</summary>
    public required string VfPci { get; init; }

    public required PodInterfaceSpec Pod { get; init; }

    /// <summary>The representor's port on br-int; its Name must equal <see cref="Pod"/>.HostName.</summary>
    public required OvsPortSpec Port { get; init; }

    /// <summary>
    /// A KubeVirt VM with an SR-IOV binding takes the VF itself (netconf <c>vf_driver: vfio-pci</c>): the VF is not
    /// configured, only its representor plugged. A VF already bound to vfio-pci is always left for the VM.
    /// </summary>
    public bool LeaveVfForVm { get; init; }

    /// <summary>Userspace OVS datapath: OVS never completes checksums left to offload, so the VF sends complete packets (Kube-OVN does the same).</summary>
    public bool DisableTxChecksum { get; init; }
}

/// <summary>What ADD did: the VF, its representor's port, and whether the VF went into the pod netns.</summary>
public sealed record SriovAttachment(VirtualFunction Vf, string RepresentorPort, bool VfInPod);
