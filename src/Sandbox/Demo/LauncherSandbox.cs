using VmNet.Sandbox.Rig;

namespace VmNet.Sandbox.Demo;

/// <summary>
/// A launcher pod's network namespace on its node (what the container runtime creates for the pod sandbox) and
/// the NICs its CNI ADDs plugged into br-int.
/// </summary>
public sealed record LauncherSandbox(LauncherPodSpec Pod, OvsNode Node, string Netns, IReadOnlyList<PluggedNic> Nics)
{
    /// <summary>The pod sandbox's container ID (CNI_CONTAINERID of its ADD and DEL).</summary>
    public string ContainerId { get; init; } = string.Empty;

    public PluggedNic Primary => Nics.First(n => n.Address.IsDefault);
}

/// <summary>One NIC of a launcher pod: its address and the br-int port bound to its logical port (iface-id).</summary>
public sealed record PluggedNic(NicAddress Address, string HostInterface)
{
    /// <summary>The address CNI ADD returned, as kubelet would record it.</summary>
    public string? CniResult { get; init; }
}
