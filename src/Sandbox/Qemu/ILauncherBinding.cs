using VmNet.Sandbox.Rig;

namespace VmNet.Sandbox.Qemu;

/// <summary>A launcher pod the CNI plugin has just set up: where it is and which OVS port the daemon plugged for the VM's logical port.</summary>
/// <param name="Netns">The launcher pod's network namespace (its eth0 is the CNI's interface).</param>
/// <param name="HostPort">The br-int port the daemon plugged for <paramref name="LogicalPort"/>.</param>
/// <param name="MigrationTarget">True for a target launcher (its pod carries <c>kubevirt.io/migrationJobName</c>).</param>
public sealed record LauncherPlug(OvsNode Node, string VmName, string Netns, string HostPort, string LogicalPort, int Mtu, bool MigrationTarget);

/// <summary>Where QEMU's NIC ends up: the netns QEMU must run in, its tap, the br-int port carrying the VM's traffic, and how to undo it.</summary>
public sealed record LauncherNic(string QemuNetns, string Tap, string OvsPort, Func<CancellationToken, Task> RemoveAsync);

/// <summary>
/// What virt-launcher/virt-handler do with the pod interface the CNI plugin configured so that QEMU gets a tap:
/// KubeVirt's bridge binding (<see cref="LauncherBridgeBinding"/>) or a managed tap on br-int
/// (<see cref="ManagedTapLauncherBinding"/>). Used by <see cref="KubeVirtStandIn"/> after each launcher's CNI ADD.
/// </summary>
public interface ILauncherBinding
{
    string Name { get; }

    /// <summary>Extra -netdev tap options QEMU needs with this binding.</summary>
    string NetdevOptions { get; }

    Task<LauncherNic> ConnectAsync(LauncherPlug plug, CancellationToken cancellationToken);
}
