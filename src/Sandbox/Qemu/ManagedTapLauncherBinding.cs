using System.Collections.Concurrent;
using System.Globalization;
using VmNet.Sandbox.Rig;

namespace VmNet.Sandbox.Qemu;

/// <summary>
/// Managed-tap style behind real launcher pods: QEMU's tap is itself the br-int port of the VM's logical port (as
/// <see cref="ManagedTapBinding"/>), QEMU runs in the node netns and opens it with vnet_hdr=off (the reference
/// recipe's pitfall 1). Our daemon has no tap NIC type: its CNI ADD plugs a veth for the launcher pod (for a
/// migration target: no gateway check, addresses only once the Southbound lists the chassis and the activation
/// block is on). This binding then plays the missing daemon step: one OVSDB transaction adds the tap with the VM's
/// iface-id and points the daemon's veth port at <see cref="UnboundIfaceId"/>, a name no logical port can have, so
/// ovn-controller binds nothing to it while the daemon still finds it as its own (it looks ports up by external_ids
/// that include an iface-id) and removes it on the launcher's CNI DEL. The launcher's eth0 gives up the VM's
/// addresses. The tap counts as plugged once ovn-controller reports it ovn-installed and, on a migration target, has
/// put the activation block on the tap's ofport. (A tap NIC type in the daemon would make all of this the CNI ADD's.)
/// </summary>
public sealed class ManagedTapLauncherBinding(TimeSpan timeout) : ILauncherBinding
{
    private readonly ConcurrentQueue<(LauncherPlug Plug, string Eth0Addresses)> connected = new();

    public string Name => "managed tap";

    public string NetdevOptions => ",vnet_hdr=off";

    /// <summary>Every launcher connected, in order, with <c>ip -o addr show dev eth0</c> as its CNI ADD left it (read before the tap took over).</summary>
    public IReadOnlyList<(LauncherPlug Plug, string Eth0Addresses)> Connected => connected.ToList();

    /// <summary>What the daemon's launcher port is bound to once the tap carries the VM's port: '/' never occurs in a logical port name.</summary>
    public static string UnboundIfaceId(string logicalPort) => logicalPort + "/launcher-eth0";

    /// <summary>The tap of a VM (same name on every node, so source and target QEMU command lines match).</summary>
    public static string TapName(string vmName) => vmName + "t";

    public async Task<LauncherNic> ConnectAsync(LauncherPlug plug, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plug);
        if (plug.VmName.Length is 0 or > 8)
        {
            throw new ArgumentException($"VM name '{plug.VmName}' must have 1..8 characters (interface names are limited to 15)", nameof(plug));
        }

        var node = plug.Node;
        var tap = TapName(plug.VmName);
        var addresses = await NetworkNamespace.ExecCheckedAsync(plug.Netns, "ip", ["-o", "addr", "show", "dev", "eth0"], cancellationToken: cancellationToken).ConfigureAwait(false);
        connected.Enqueue((plug, addresses.Stdout.Trim()));
        await NetworkNamespace.ExecCheckedAsync(plug.Netns, "ip", ["addr", "flush", "dev", "eth0"], cancellationToken: cancellationToken).ConfigureAwait(false);
        await NetworkNamespace.ExecCheckedAsync(plug.Netns, "ip", ["link", "set", "eth0", "down"], cancellationToken: cancellationToken).ConfigureAwait(false);

        await Ip(cancellationToken, "-n", node.Netns, "tuntap", "add", "dev", tap, "mode", "tap").ConfigureAwait(false);
        try
        {
            await Ip(cancellationToken, "-n", node.Netns, "link", "set", tap, "mtu", plug.Mtu.ToString(CultureInfo.InvariantCulture), "up").ConfigureAwait(false);
            await node.VsctlAsync(
                [
                    "--", "add-port", OvsNode.IntegrationBridge, tap,
                    "--", "set", "Interface", tap, "external_ids:iface-id=" + plug.LogicalPort,
                    "--", "set", "Interface", plug.HostPort, "external_ids:iface-id=" + UnboundIfaceId(plug.LogicalPort),
                ],
                cancellationToken).ConfigureAwait(false);
            await WaitPluggedAsync(plug, tap, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await RemoveTapAsync(node, tap, CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        return new LauncherNic(node.Netns, tap, tap, ct => RemoveTapAsync(node, tap, ct));
    }

    private async Task WaitPluggedAsync(LauncherPlug plug, string tap, CancellationToken cancellationToken)
    {
        var node = plug.Node;
        var seconds = Math.Max(1, (int)timeout.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        var installed = await CommandRunner.RunAsync(
            "ovs-vsctl", ["--db=" + node.Ovsdb.UnixConnection, "--timeout=" + seconds, "wait-until", "Interface", tap, "external_ids:ovn-installed=true"], timeout + TimeSpan.FromSeconds(5), cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!installed.Succeeded)
        {
            throw new QemuException($"{node.Name}: tap {tap} (iface-id {plug.LogicalPort}) not ovn-installed within {seconds} s: {installed.Stderr.Trim()}");
        }

        if (!plug.MigrationTarget)
        {
            return;
        }

        // The tap replaced the port ovn-controller had blocked for RARP activation: it must block the new ofport too
        // before anything may reach the tap (the target QEMU is not running yet).
        var ofport = (await node.VsctlAsync(["get", "Interface", tap, "ofport"], cancellationToken).ConfigureAwait(false)).Stdout.Trim();
        var mgmt = "unix:" + Path.Combine(Path.GetDirectoryName(node.Ovsdb.SocketPath)!, OvsNode.IntegrationBridge + ".mgmt");
        var deadline = DateTime.UtcNow + timeout;
        string flows;
        while (!IsActivationBlock(flows = (await CommandRunner.RunCheckedAsync("ovs-ofctl", ["--no-stats", "dump-flows", mgmt, "table=0,in_port=" + ofport], cancellationToken: cancellationToken).ConfigureAwait(false)).Stdout))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new QemuException($"{node.Name}: ovn-controller did not install the activation block for tap {tap} (ofport {ofport}, iface-id {plug.LogicalPort}) within {timeout.TotalSeconds:0} s; table 0: {flows.Trim()}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(10), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>ovn-controller's RARP activation block: the priority-1000 drop for the port in table 0.</summary>
    public static bool IsActivationBlock(string dump) =>
        dump.Split('\n').Any(l => l.Contains("priority=1000,", StringComparison.Ordinal) && l.TrimEnd().EndsWith("actions=drop", StringComparison.Ordinal));

    private static async Task RemoveTapAsync(OvsNode node, string tap, CancellationToken cancellationToken)
    {
        await node.VsctlAsync(["--if-exists", "del-port", OvsNode.IntegrationBridge, tap], cancellationToken).ConfigureAwait(false);
        await CommandRunner.RunAsync("ip", ["-n", node.Netns, "link", "del", tap], cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    private static Task<CommandResult> Ip(CancellationToken cancellationToken, params string[] args) =>
        CommandRunner.RunCheckedAsync("ip", args, cancellationToken: cancellationToken);
}
