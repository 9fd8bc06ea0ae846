using System.Globalization;
using VmNet.Sandbox.Rig;

namespace VmNet.Sandbox.Qemu;

/// <summary>
/// KubeVirt's bridge binding: a "virt-launcher pod" netns whose eth0 (veth, peer on br-int) and tap0 are
/// enslaved to the Linux bridge k6t-eth0; QEMU runs in that netns. eth0 gets tx checksum offload off: the
/// kernel must complete CHECKSUM_PARTIAL frames bridged from the tap before OVS reads them from the veth.
/// </summary>
public sealed class BridgeBinding(int mtu = 1400) : IVmBinding
{
    public const string Tap = "tap0";
    public const string Bridge = "k6t-eth0";

    public string NetdevOptions => string.Empty;

    public async Task<VmAttachment> AttachAsync(OvsNode node, string vmName, int generation, string? ifaceId, RigManifest? manifest, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (vmName.Length is 0 or > 8)
        {
            throw new ArgumentException($"VM name '{vmName}' must have 1..8 characters (interface names are limited to 15)", nameof(vmName));
        }

        // Launcher netns "<vm>l<generation>"; its veth ends add "h"/"c": at most 13 characters.
        var netns = vmName + "l" + (generation % 1000).ToString(CultureInfo.InvariantCulture);
        var name = netns;
        var host = name + "h";
        var container = name + "c";
        var mtuText = mtu.ToString(CultureInfo.InvariantCulture);
        manifest?.RecordNetns(netns);
        await NetworkNamespace.AddAsync(netns, cancellationToken).ConfigureAwait(false);
        manifest?.RecordLink(host);
        await Ip(cancellationToken, "link", "add", host, "type", "veth", "peer", "name", container).ConfigureAwait(false);
        await Ip(cancellationToken, "link", "set", container, "netns", netns).ConfigureAwait(false);
        await Ip(cancellationToken, "link", "set", host, "netns", node.Netns).ConfigureAwait(false);
        await Ip(cancellationToken, "-n", netns, "link", "set", container, "name", "eth0").ConfigureAwait(false);
        // No IPv6 autoconf chatter from the launcher's own interfaces: only the guest should talk.
        await NetworkNamespace.ExecCheckedAsync(netns, "sysctl", ["-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"], cancellationToken: cancellationToken).ConfigureAwait(false);
        await Ip(cancellationToken, "-n", netns, "link", "set", "eth0", "mtu", mtuText).ConfigureAwait(false);
        await NetworkNamespace.ExecCheckedAsync(netns, "ethtool", ["-K", "eth0", "tx", "off"], cancellationToken: cancellationToken).ConfigureAwait(false);
        await Ip(cancellationToken, "-n", netns, "link", "add", Bridge, "mtu", mtuText, "type", "bridge").ConfigureAwait(false);
        await Ip(cancellationToken, "-n", netns, "tuntap", "add", "dev", Tap, "mode", "tap").ConfigureAwait(false);
        await Ip(cancellationToken, "-n", netns, "link", "set", Tap, "mtu", mtuText, "master", Bridge, "up").ConfigureAwait(false);
        await Ip(cancellationToken, "-n", netns, "link", "set", "eth0", "master", Bridge, "up").ConfigureAwait(false);
        await Ip(cancellationToken, "-n", netns, "link", "set", Bridge, "up").ConfigureAwait(false);
        await Ip(cancellationToken, "-n", node.Netns, "link", "set", host, "mtu", mtuText, "up").ConfigureAwait(false);
        var addPort = new List<string> { "add-port", OvsNode.IntegrationBridge, host };
        if (ifaceId is not null)
        {
            addPort.AddRange(["--", "set", "Interface", host, "external_ids:iface-id=" + ifaceId]);
        }

        await node.VsctlAsync(addPort, cancellationToken).ConfigureAwait(false);
        return new VmAttachment(node, netns, Tap, host, async ct =>
        {
            await node.VsctlAsync(["--if-exists", "del-port", OvsNode.IntegrationBridge, host], ct).ConfigureAwait(false);
            await NetworkNamespace.DeleteAsync(netns, ct).ConfigureAwait(false);
        });
    }

    private static Task<CommandResult> Ip(CancellationToken cancellationToken, params string[] args) =>
        CommandRunner.RunCheckedAsync("ip", args, cancellationToken: cancellationToken);
}
