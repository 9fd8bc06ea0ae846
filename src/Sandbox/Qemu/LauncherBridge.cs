using System.Globalization;
using VmNet.Sandbox.Rig;

namespace VmNet.Sandbox.Qemu;

/// <summary>
/// What virt-launcher does to the pod interface the CNI plugin configured, for KubeVirt's bridge binding: the
/// address moves to the guest (eth0 keeps none), eth0 gets another MAC (the guest owns the pod's MAC; a bridge
/// port with the guest's MAC would swallow the guest's frames as local), and eth0 plus the tap QEMU opens are
/// enslaved to k6t-eth0. tx checksum offload goes off on eth0 (pitfall 1 of the reference recipe).
/// </summary>
public static class LauncherBridge
{
    public static async Task ConvertAsync(string netns, int mtu, CancellationToken cancellationToken)
    {
        var mtuText = mtu.ToString(CultureInfo.InvariantCulture);
        // No autoconf chatter from the launcher's own interfaces: only the guest should talk.
        await NetworkNamespace.ExecCheckedAsync(netns, "sysctl", ["-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"], cancellationToken: cancellationToken).ConfigureAwait(false);
        await Ip(cancellationToken, "-n", netns, "addr", "flush", "dev", "eth0").ConfigureAwait(false);
        await Ip(cancellationToken, "-n", netns, "link", "set", "eth0", "down").ConfigureAwait(false);
        await Ip(cancellationToken, "-n", netns, "link", "set", "eth0", "address", "02:00:00:00:00:01").ConfigureAwait(false);
        await NetworkNamespace.ExecCheckedAsync(netns, "ethtool", ["-K", "eth0", "tx", "off"], cancellationToken: cancellationToken).ConfigureAwait(false);
        await Ip(cancellationToken, "-n", netns, "link", "add", BridgeBinding.Bridge, "mtu", mtuText, "type", "bridge").ConfigureAwait(false);
        await Ip(cancellationToken, "-n", netns, "tuntap", "add", "dev", BridgeBinding.Tap, "mode", "tap").ConfigureAwait(false);
        await Ip(cancellationToken, "-n", netns, "link", "set", BridgeBinding.Tap, "mtu", mtuText, "master", BridgeBinding.Bridge, "up").ConfigureAwait(false);
        await Ip(cancellationToken, "-n", netns, "link", "set", "eth0", "master", BridgeBinding.Bridge, "up").ConfigureAwait(false);
        await Ip(cancellationToken, "-n", netns, "link", "set", BridgeBinding.Bridge, "up").ConfigureAwait(false);
    }

    private static Task<CommandResult> Ip(CancellationToken cancellationToken, params string[] args) =>
        CommandRunner.RunCheckedAsync("ip", args, cancellationToken: cancellationToken);
}
