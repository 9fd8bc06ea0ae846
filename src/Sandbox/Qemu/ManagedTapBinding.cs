using System.Globalization;
using VmNet.Sandbox.Rig;

namespace VmNet.Sandbox.Qemu;

/// <summary>
/// Managed-tap style: a tap in the node netns plugged straight into br-int, QEMU running in the node netns.
/// The tap is named after the VM, not the node, so both migration ends use the same ifname (identical
/// command lines). vnet_hdr=off: with a virtio-net header the guest hands OVS's userspace datapath
/// partial checksums it never completes, and TCP fails while ping works.
/// </summary>
public sealed class ManagedTapBinding(int mtu = 1400) : IVmBinding
{
    public string NetdevOptions => ",vnet_hdr=off";

    public async Task<VmAttachment> AttachAsync(OvsNode node, string vmName, int generation, string? ifaceId, RigManifest? manifest, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (vmName.Length is 0 or > 8)
        {
            throw new ArgumentException($"VM name '{vmName}' must have 1..8 characters (interface names are limited to 15)", nameof(vmName));
        }

        // Created inside the node netns, so it never appears in the root netns and needs no manifest record.
        var tap = vmName + "t";
        await Ip(cancellationToken, "-n", node.Netns, "tuntap", "add", "dev", tap, "mode", "tap").ConfigureAwait(false);
        await Ip(cancellationToken, "-n", node.Netns, "link", "set", tap, "mtu", mtu.ToString(CultureInfo.InvariantCulture), "up").ConfigureAwait(false);
        var addPort = new List<string> { "add-port", OvsNode.IntegrationBridge, tap };
        if (ifaceId is not null)
        {
            addPort.AddRange(["--", "set", "Interface", tap, "external_ids:iface-id=" + ifaceId]);
        }

        await node.VsctlAsync(addPort, cancellationToken).ConfigureAwait(false);
        return new VmAttachment(node, node.Netns, tap, tap, async ct =>
        {
            await node.VsctlAsync(["--if-exists", "del-port", OvsNode.IntegrationBridge, tap], ct).ConfigureAwait(false);
            await CommandRunner.RunAsync("ip", ["-n", node.Netns, "link", "del", tap], cancellationToken: ct).ConfigureAwait(false);
        });
    }

    private static Task<CommandResult> Ip(CancellationToken cancellationToken, params string[] args) =>
        CommandRunner.RunCheckedAsync("ip", args, cancellationToken: cancellationToken);
}
