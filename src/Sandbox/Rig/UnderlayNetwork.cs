using System.Globalization;

namespace VmNet.Sandbox.Rig;

/// <summary>
/// The L2 underlay between node namespaces: for one node a veth whose peer stays idle, for two nodes a direct veth pair, for more a Linux bridge
/// in an extra namespace. Nothing is created in the root namespace except transiently (veths are
/// created there, then moved), so parallel rigs only need distinct names.
/// </summary>
public sealed class UnderlayNetwork
{
    private UnderlayNetwork(IReadOnlyList<string> nodeInterfaces, string? switchNetns)
    {
        NodeInterfaces = nodeInterfaces;
        SwitchNetns = switchNetns;
    }

    /// <summary>Underlay interface name inside node i's netns (index 0 = node1).</summary>
    public IReadOnlyList<string> NodeInterfaces { get; }

    /// <summary>Namespace holding the bridge when there are more than two nodes; null for a direct pair.</summary>
    public string? SwitchNetns { get; }

    public static async Task<UnderlayNetwork> CreateAsync(
        RigRunId runId, IReadOnlyList<string> nodeNetns, int mtu, RigManifest manifest, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runId);
        ArgumentNullException.ThrowIfNull(nodeNetns);
        ArgumentNullException.ThrowIfNull(manifest);
        var mtuText = mtu.ToString(CultureInfo.InvariantCulture);
        var nodeInterfaces = nodeNetns.Select((_, i) => runId.Value + "e" + (i + 1).ToString(CultureInfo.InvariantCulture)).ToList();
        if (nodeNetns.Count == 1)
        {
            await CreateLoneVethAsync(nodeNetns[0], nodeInterfaces[0], runId.Value + "x1", mtuText, cancellationToken).ConfigureAwait(false);
            return new UnderlayNetwork(nodeInterfaces, null);
        }

        if (nodeNetns.Count == 2)
        {
            await CreateVethAsync(nodeInterfaces[0], nodeNetns[0], nodeInterfaces[1], nodeNetns[1], mtuText, manifest, cancellationToken).ConfigureAwait(false);
            return new UnderlayNetwork(nodeInterfaces, null);
        }

        var switchNetns = runId.Value + "u";
        manifest.RecordNetns(switchNetns);
        await NetworkNamespace.AddAsync(switchNetns, cancellationToken).ConfigureAwait(false);
        const string bridge = "br0";
        await Ip(cancellationToken, "-n", switchNetns, "link", "add", bridge, "mtu", mtuText, "type", "bridge").ConfigureAwait(false);
        await Ip(cancellationToken, "-n", switchNetns, "link", "set", bridge, "up").ConfigureAwait(false);
        for (var i = 0; i < nodeNetns.Count; i++)
        {
            var switchPort = runId.Value + "s" + (i + 1).ToString(CultureInfo.InvariantCulture);
            await CreateVethAsync(nodeInterfaces[i], nodeNetns[i], switchPort, switchNetns, mtuText, manifest, cancellationToken).ConfigureAwait(false);
            await Ip(cancellationToken, "-n", switchNetns, "link", "set", switchPort, "master", bridge, "up").ConfigureAwait(false);
        }

        return new UnderlayNetwork(nodeInterfaces, switchNetns);
    }

    private static async Task CreateLoneVethAsync(string netns, string name, string peer, string mtu, CancellationToken cancellationToken)
    {
        // A single node still needs an underlay device for br-phy. A veth whose peer stays unused in the
        // same netns rather than a dummy device: the dummy module is not available everywhere (CI).
        await Ip(cancellationToken, "-n", netns, "link", "add", name, "mtu", mtu, "type", "veth", "peer", "name", peer, "mtu", mtu).ConfigureAwait(false);
        await Ip(cancellationToken, "-n", netns, "link", "set", peer, "up").ConfigureAwait(false);
    }

    private static async Task CreateVethAsync(
        string a, string netnsA, string b, string netnsB, string mtu, RigManifest manifest, CancellationToken cancellationToken)
    {
        manifest.RecordLink(a);
        await Ip(cancellationToken, "link", "add", a, "mtu", mtu, "type", "veth", "peer", "name", b, "mtu", mtu).ConfigureAwait(false);
        await Ip(cancellationToken, "link", "set", a, "netns", netnsA).ConfigureAwait(false);
        await Ip(cancellationToken, "link", "set", b, "netns", netnsB).ConfigureAwait(false);
    }

    private static Task<CommandResult> Ip(CancellationToken cancellationToken, params string[] args) =>
        CommandRunner.RunCheckedAsync("ip", args, cancellationToken: cancellationToken);
}
