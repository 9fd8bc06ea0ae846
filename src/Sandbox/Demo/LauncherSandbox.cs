using VmNet.Sandbox.Rig;

namespace VmNet.Sandbox.Demo;

/// <summary>
/// A launcher pod's network namespace on its node (what the container runtime creates for the pod) and the
/// NICs its CNI ADD plugged into br-int.
/// </summary>
public sealed record LauncherSandbox(LauncherPodSpec Pod, OvsNode Node, string Netns, IReadOnlyList<PluggedNic> Nics)
{
    public PluggedNic Primary => Nics.First(n => n.Address.IsDefault);
}

/// <summary>One NIC of a launcher pod: its address and the veth end on br-int (the OVS port with iface-id = logical port).</summary>
public sealed record PluggedNic(NicAddress Address, string HostInterface);
