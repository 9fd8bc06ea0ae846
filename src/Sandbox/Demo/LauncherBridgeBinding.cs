using System.Globalization;
using VmNet.Sandbox.Qemu;
using VmNet.Sandbox.Rig;

namespace VmNet.Sandbox.Demo;

/// <summary>
/// KubeVirt's bridge binding on a launcher pod that CNI ADD already networked (<see cref="LauncherBridge"/>: the
/// IP leaves eth0 for the guest, here set through the kernel command line instead of KubeVirt's DHCP; eth0 and
/// the guest's tap join k6t-eth0). The launcher pods are prepared by the demo, per generation (0 = first boot, then one
/// per migration), before <see cref="MigratableVm"/> asks for them; removing an attachment retires its pod.
/// </summary>
public sealed class LauncherBridgeBinding(Func<LauncherSandbox, Task> retire) : IVmBinding
{
    private readonly Dictionary<int, LauncherSandbox> prepared = [];

    public string NetdevOptions => string.Empty;

    /// <summary>The launcher pod that generation <paramref name="generation"/>'s QEMU will run in.</summary>
    public void Prepare(int generation, LauncherSandbox launcher)
    {
        lock (prepared)
        {
            prepared[generation] = launcher;
        }
    }

    public LauncherSandbox LauncherOf(VmAttachment attachment)
    {
        ArgumentNullException.ThrowIfNull(attachment);
        lock (prepared)
        {
            return prepared.Values.First(l => l.Netns == attachment.QemuNetns);
        }
    }

    public async Task<VmAttachment> AttachAsync(OvsNode node, string vmName, int generation, string? ifaceId, RigManifest? manifest, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(node);
        LauncherSandbox launcher;
        lock (prepared)
        {
            launcher = prepared.TryGetValue(generation, out var l)
                ? l
                : throw new InvalidOperationException($"no launcher pod was prepared for {vmName} generation {generation}");
        }

        if (launcher.Node.Name != node.Name)
        {
            throw new InvalidOperationException($"the launcher pod {launcher.Pod.Name} runs on {launcher.Node.Name}, not on {node.Name}");
        }

        if (ifaceId is not null && ifaceId != launcher.Primary.Address.LogicalPort)
        {
            throw new InvalidOperationException($"QEMU asked for logical port {ifaceId}, the launcher pod's eth0 is bound to {launcher.Primary.Address.LogicalPort}");
        }

        var netns = launcher.Netns;
        // The bridge and tap take eth0's MTU (the one CNI ADD set from the subnet/underlay).
        var mtu = (await NetworkNamespace.ExecCheckedAsync(netns, "cat", ["/sys/class/net/eth0/mtu"], cancellationToken: cancellationToken).ConfigureAwait(false)).Stdout.Trim();
        await LauncherBridge.ConvertAsync(netns, int.Parse(mtu, NumberStyles.Integer, CultureInfo.InvariantCulture), cancellationToken).ConfigureAwait(false);
        return new VmAttachment(node, netns, BridgeBinding.Tap, launcher.Primary.HostInterface, _ => retire(launcher));
    }
}
