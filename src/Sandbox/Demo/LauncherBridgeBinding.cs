using System.Globalization;
using System.Security.Cryptography;
using VmNet.Sandbox.Qemu;
using VmNet.Sandbox.Rig;

namespace VmNet.Sandbox.Demo;

/// <summary>
/// KubeVirt's bridge binding on a launcher pod that CNI ADD already networked: virt-launcher takes the IP off
/// the pod's eth0 (the guest owns it now, here through the kernel command line instead of KubeVirt's DHCP), gives
/// eth0 a different MAC (the VM's MAC must not be local to the bridge) and enslaves eth0 and the guest's tap to
/// the bridge k6t-eth0. The launcher pods are prepared by the demo, per generation (0 = first boot, then one
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

        var netns = launcher.Netns;
        // The bridge and tap take eth0's MTU (the one CNI ADD set from the subnet/underlay).
        var mtu = (await NetworkNamespace.ExecCheckedAsync(netns, "cat", ["/sys/class/net/eth0/mtu"], cancellationToken: cancellationToken).ConfigureAwait(false)).Stdout.Trim();
        await NetworkNamespace.ExecCheckedAsync(netns, "sysctl", ["-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"], cancellationToken: cancellationToken).ConfigureAwait(false);
        await Ip(cancellationToken, "-n", netns, "addr", "flush", "dev", "eth0").ConfigureAwait(false);
        await Ip(cancellationToken, "-n", netns, "link", "set", "eth0", "down").ConfigureAwait(false);
        await Ip(cancellationToken, "-n", netns, "link", "set", "eth0", "address", LocalMac()).ConfigureAwait(false);
        await Ip(cancellationToken, "-n", netns, "link", "add", BridgeBinding.Bridge, "mtu", mtu, "type", "bridge").ConfigureAwait(false);
        await Ip(cancellationToken, "-n", netns, "tuntap", "add", "dev", BridgeBinding.Tap, "mode", "tap").ConfigureAwait(false);
        await Ip(cancellationToken, "-n", netns, "link", "set", BridgeBinding.Tap, "mtu", mtu, "master", BridgeBinding.Bridge, "up").ConfigureAwait(false);
        await Ip(cancellationToken, "-n", netns, "link", "set", "eth0", "master", BridgeBinding.Bridge, "up").ConfigureAwait(false);
        await Ip(cancellationToken, "-n", netns, "link", "set", BridgeBinding.Bridge, "up").ConfigureAwait(false);
        if (ifaceId is not null && ifaceId != launcher.Primary.Address.LogicalPort)
        {
            throw new InvalidOperationException($"QEMU asked for logical port {ifaceId}, the launcher pod's eth0 is bound to {launcher.Primary.Address.LogicalPort}");
        }

        return new VmAttachment(node, netns, BridgeBinding.Tap, launcher.Primary.HostInterface, _ => retire(launcher));
    }

    /// <summary>A random locally administered unicast MAC for the pod side of the bridge.</summary>
    private static string LocalMac()
    {
        var bytes = RandomNumberGenerator.GetBytes(6);
        bytes[0] = (byte)((bytes[0] & 0xfc) | 0x02);
        return string.Join(':', bytes.Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));
    }

    private static Task<CommandResult> Ip(CancellationToken cancellationToken, params string[] args) =>
        CommandRunner.RunCheckedAsync("ip", args, cancellationToken: cancellationToken);
}
