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

    /// <summary>The tap QEMU opens for the launcher's <paramref name="index"/>-th Multus NIC (net&lt;index&gt;), bridged by k6t-net&lt;index&gt;.</summary>
    public static string SecondaryTap(int index) => "tap" + index.ToString(CultureInfo.InvariantCulture);

    /// <summary>The launcher's Multus NICs in pod-interface order, numbered from 1 (the guest's second NIC is 1).</summary>
    public static IEnumerable<(PluggedNic Nic, int Index)> SecondaryNics(LauncherSandbox launcher)
    {
        ArgumentNullException.ThrowIfNull(launcher);
        return launcher.Nics.Where(n => !n.Address.IsDefault).Select((n, i) => (n, i + 1));
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
        foreach (var (nic, index) in SecondaryNics(launcher))
        {
            await ConvertSecondaryAsync(netns, nic.Address.Interface, index, cancellationToken).ConfigureAwait(false);
        }

        return new VmAttachment(node, netns, BridgeBinding.Tap, launcher.Primary.HostInterface, _ => retire(launcher));
    }

    /// <summary>
    /// KubeVirt's bridge binding for a Multus NIC, the same as <see cref="LauncherBridge"/> does for eth0: the
    /// address leaves net&lt;n&gt; for the guest, net&lt;n&gt; gets a launcher-local MAC, and it joins k6t-net&lt;n&gt; with the tap.
    /// </summary>
    private static async Task ConvertSecondaryAsync(string netns, string podInterface, int index, CancellationToken cancellationToken)
    {
        var bridge = "k6t-" + podInterface;
        var tap = SecondaryTap(index);
        var mtu = (await NetworkNamespace.ExecCheckedAsync(netns, "cat", ["/sys/class/net/" + podInterface + "/mtu"], cancellationToken: cancellationToken).ConfigureAwait(false)).Stdout.Trim();
        var localMac = string.Create(CultureInfo.InvariantCulture, $"02:00:00:00:00:{index + 1:x2}");
        async Task Ip(params string[] args) =>
            await NetworkNamespace.ExecCheckedAsync(netns, "ip", args, cancellationToken: cancellationToken).ConfigureAwait(false);
        await Ip("addr", "flush", "dev", podInterface).ConfigureAwait(false);
        await Ip("link", "set", podInterface, "down").ConfigureAwait(false);
        await Ip("link", "set", podInterface, "address", localMac).ConfigureAwait(false);
        await NetworkNamespace.ExecCheckedAsync(netns, "ethtool", ["-K", podInterface, "tx", "off"], cancellationToken: cancellationToken).ConfigureAwait(false);
        await Ip("link", "add", bridge, "mtu", mtu, "type", "bridge").ConfigureAwait(false);
        await Ip("tuntap", "add", "dev", tap, "mode", "tap").ConfigureAwait(false);
        await Ip("link", "set", tap, "mtu", mtu, "master", bridge, "up").ConfigureAwait(false);
        await Ip("link", "set", podInterface, "master", bridge, "up").ConfigureAwait(false);
        await Ip("link", "set", bridge, "up").ConfigureAwait(false);
    }
}
