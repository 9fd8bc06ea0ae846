using System.Globalization;
using VmNet.Sandbox.Rig;

namespace VmNet.Sandbox.Demo;

/// <summary>
/// The sandbox doing the node daemon's CNI ADD itself: a netns per launcher pod, a veth per NIC (eth0 with the
/// default route, net&lt;n&gt; for Multus) carrying the controller's MAC and IP, the host end on br-int with
/// <c>external_ids:iface-id</c> = the NIC's logical port. Used when no vmnet-daemon runs in the sandbox.
/// </summary>
public sealed class DirectPlugNetwork(global::VmNet.Sandbox.Rig.Rig rig) : ILauncherNetwork
{
    private int counter;

    public string Description => "plugged by the sandbox (veth + iface-id, what the daemon does on CNI ADD)";

    public async Task<LauncherSandbox> AddAsync(LauncherPodSpec pod, IReadOnlyList<NicAddress> addresses, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pod);
        ArgumentNullException.ThrowIfNull(addresses);
        var node = rig.Node(pod.Node);
        var index = Interlocked.Increment(ref counter).ToString(CultureInfo.InvariantCulture);
        var netns = InterfaceNames.Validate(rig.RunId.Value + "l" + index, "netns");
        var mtu = rig.Options.PodMtu.ToString(CultureInfo.InvariantCulture);
        rig.Manifest.RecordNetns(netns);
        await NetworkNamespace.AddAsync(netns, cancellationToken).ConfigureAwait(false);
        var nics = new List<PluggedNic>();
        var sandbox = new LauncherSandbox(pod, node, netns, nics);
        try
        {
            await Ip(cancellationToken, "-n", netns, "link", "set", "lo", "up").ConfigureAwait(false);
            foreach (var (address, n) in addresses.Select((a, n) => (a, n)))
            {
                var host = InterfaceNames.Validate($"{rig.RunId.Value}v{index}x{n}", "host interface");
                var peer = InterfaceNames.Validate($"{rig.RunId.Value}c{index}x{n}", "container interface");
                rig.Manifest.RecordLink(host);
                await Ip(cancellationToken, "link", "add", host, "type", "veth", "peer", "name", peer).ConfigureAwait(false);
                nics.Add(new PluggedNic(address, host));
                await Ip(cancellationToken, "link", "set", peer, "netns", netns).ConfigureAwait(false);
                await Ip(cancellationToken, "link", "set", host, "netns", node.Netns).ConfigureAwait(false);
                await Ip(cancellationToken, "-n", netns, "link", "set", peer, "name", address.Interface).ConfigureAwait(false);
                await Ip(cancellationToken, "-n", netns, "link", "set", address.Interface, "address", address.Mac, "mtu", mtu).ConfigureAwait(false);
                await Ip(cancellationToken, "-n", netns, "addr", "add", address.IpCidr, "dev", address.Interface).ConfigureAwait(false);
                await Ip(cancellationToken, "-n", netns, "link", "set", address.Interface, "up").ConfigureAwait(false);
                if (address.IsDefault && address.Gateway.Length > 0)
                {
                    await Ip(cancellationToken, "-n", netns, "route", "add", "default", "via", address.Gateway, "dev", address.Interface).ConfigureAwait(false);
                }

                // The userspace datapath does not complete CHECKSUM_PARTIAL packets read from a veth.
                await NetworkNamespace.ExecCheckedAsync(netns, "ethtool", ["-K", address.Interface, "tx", "off"], cancellationToken: cancellationToken).ConfigureAwait(false);
                await Ip(cancellationToken, "-n", node.Netns, "link", "set", host, "mtu", mtu, "up").ConfigureAwait(false);
                await node.VsctlAsync(
                    ["add-port", OvsNode.IntegrationBridge, host, "--", "set", "Interface", host, "external_ids:iface-id=" + address.LogicalPort],
                    cancellationToken).ConfigureAwait(false);
            }

            return sandbox;
        }
        catch
        {
            await DeleteAsync(sandbox, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    public async Task DeleteAsync(LauncherSandbox sandbox, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sandbox);
        foreach (var nic in sandbox.Nics)
        {
            await sandbox.Node.VsctlAsync(["--if-exists", "del-port", OvsNode.IntegrationBridge, nic.HostInterface], cancellationToken).ConfigureAwait(false);
        }

        // Deleting the netns destroys the veth pairs with it.
        if (NetworkNamespace.Exists(sandbox.Netns))
        {
            await NetworkNamespace.DeleteAsync(sandbox.Netns, cancellationToken).ConfigureAwait(false);
        }
    }

    private static Task<CommandResult> Ip(CancellationToken cancellationToken, params string[] args) =>
        CommandRunner.RunCheckedAsync("ip", args, cancellationToken: cancellationToken);
}
