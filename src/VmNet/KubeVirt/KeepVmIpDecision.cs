namespace VmNet.KubeVirt;

/// <summary>Whether a VM's port, IP CR and addresses stay or go.</summary>
public enum VmAddressFate
{
    /// <summary>Keep everything: the VM is stopped or restarting, or nothing certain is known.</summary>
    Keep,

    /// <summary>The VM is gone or going: release port, IP CR and addresses.</summary>
    ReleaseVmDeleted,

    /// <summary>The VM now asks for another subnet and has no live launcher: release so the next start re-allocates.</summary>
    ReleaseSubnetChanged,
}

/// <summary>
/// keep-vm-ip lifecycle rules (facts §5.2): a VM's addresses survive VMI stop/start, launcher pod deletion,
/// eviction and node loss; they go when the VM is deleted (or an ephemeral VMI terminates), or when the VM's
/// subnet changed while it is stopped.
/// </summary>
public static class KeepVmIpDecision
{
    public static VmAddressFate Decide(VmState state, string allocatedSubnet)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (!state.VmKnown)
        {
            return VmAddressFate.Keep;
        }

        // Kube-OVN's isVMToDel: VM and VMI both gone; VM being deleted; ephemeral VMI terminating.
        var vmGone = !state.VmExists && !state.VmiExists;
        var ephemeralEnding = !state.VmExists && state.VmiExists && state.VmiDeleting && !state.VmiHasVmOwner;
        if (vmGone || state.VmDeleting || ephemeralEnding)
        {
            return state.HasLiveLauncherPod && !state.VmDeleting && !ephemeralEnding ? VmAddressFate.Keep : VmAddressFate.ReleaseVmDeleted;
        }

        if (!state.HasLiveLauncherPod && state.VmExists && !string.IsNullOrEmpty(state.DesiredSubnet)
            && !string.Equals(state.DesiredSubnet, allocatedSubnet, StringComparison.Ordinal))
        {
            return VmAddressFate.ReleaseSubnetChanged;
        }

        return VmAddressFate.Keep;
    }
}
