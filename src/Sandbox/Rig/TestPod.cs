using System.Globalization;

namespace VmNet.Sandbox.Rig;

/// <summary>
/// Test set-up of a pod network endpoint with ip/ovs-vsctl/ethtool (the product daemon does this via
/// netlink and its OVSDB client): a netns with eth0, whose veth peer sits in the node netns on br-int.
/// </summary>
public sealed class TestPod
{
    private TestPod(OvsNode node, TestPodOptions options, string netns, string hostInterface)
    {
        Node = node;
        Options = options;
        Netns = netns;
        HostInterface = hostInterface;
    }

    public OvsNode Node { get; }

    public TestPodOptions Options { get; }

    public string Name => Options.Name;

    public string Ip => Options.Ip;

    public string Netns { get; }

    /// <summary>The veth end inside the node netns, an OVS port of br-int.</summary>
    public string HostInterface { get; }

    /// <summary>
    /// Creates the pod netns (<paramref name="netns"/>) and the veth pair <paramref name="hostInterface"/> /
    /// <paramref name="containerInterface"/> (the latter renamed eth0 inside the pod), all names unique per run.
    /// </summary>
    public static async Task<TestPod> CreateAsync(
        OvsNode node,
        TestPodOptions options,
        string netns,
        string hostInterface,
        string containerInterface,
        RigManifest? manifest = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(options);
        InterfaceNames.Validate(hostInterface, nameof(hostInterface));
        InterfaceNames.Validate(containerInterface, nameof(containerInterface));
        var mtu = options.Mtu.ToString(CultureInfo.InvariantCulture);

        manifest?.RecordNetns(netns);
        await NetworkNamespace.AddAsync(netns, cancellationToken).ConfigureAwait(false);
        manifest?.RecordLink(hostInterface);
        await RunIp(cancellationToken, "link", "add", hostInterface, "type", "veth", "peer", "name", containerInterface).ConfigureAwait(false);
        await RunIp(cancellationToken, "link", "set", containerInterface, "netns", netns).ConfigureAwait(false);
        await RunIp(cancellationToken, "link", "set", hostInterface, "netns", node.Netns).ConfigureAwait(false);
        await RunIp(cancellationToken, "-n", netns, "link", "set", containerInterface, "name", "eth0").ConfigureAwait(false);
        await RunIp(cancellationToken, "-n", netns, "link", "set", "eth0", "address", options.Mac, "mtu", mtu).ConfigureAwait(false);
        await RunIp(cancellationToken, "-n", netns, "addr", "add", options.IpCidr, "dev", "eth0").ConfigureAwait(false);
        await RunIp(cancellationToken, "-n", netns, "link", "set", "eth0", "up").ConfigureAwait(false);
        if (options.Gateway is { } gateway)
        {
            await RunIp(cancellationToken, "-n", netns, "route", "add", "default", "via", gateway, "dev", "eth0").ConfigureAwait(false);
        }

        // The userspace datapath does not complete CHECKSUM_PARTIAL packets read from a veth: with tx
        // offload on, TCP/UDP leave OVS with bad checksums (SYNs dropped) while ping still works.
        await NetworkNamespace.ExecCheckedAsync(netns, "ethtool", ["-K", "eth0", "tx", "off"], cancellationToken: cancellationToken).ConfigureAwait(false);
        await RunIp(cancellationToken, "-n", node.Netns, "link", "set", hostInterface, "mtu", mtu, "up").ConfigureAwait(false);
        await node.VsctlAsync(
            [
                "add-port", OvsNode.IntegrationBridge, hostInterface,
                "--", "set", "Interface", hostInterface, "external_ids:iface-id=" + options.LogicalPort,
            ],
            cancellationToken).ConfigureAwait(false);
        return new TestPod(node, options, netns, hostInterface);
    }

    /// <summary>Runs a command inside the pod netns with a timeout; the result is returned whatever the exit code.</summary>
    public Task<CommandResult> ExecAsync(string fileName, IEnumerable<string> arguments, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        NetworkNamespace.ExecAsync(Netns, fileName, arguments, timeout, cancellationToken);

    /// <summary>ping -c COUNT -i 0.2 -W 1 [extra] TARGET from inside the pod.</summary>
    public Task<CommandResult> PingAsync(string target, int count = 3, IEnumerable<string>? extraArguments = null, CancellationToken cancellationToken = default) =>
        ExecAsync(
            "ping",
            new[] { "-c", count.ToString(CultureInfo.InvariantCulture), "-i", "0.2", "-W", "1" }.Concat(extraArguments ?? []).Append(target),
            TimeSpan.FromSeconds(count + 5),
            cancellationToken);

    /// <summary>Sets eth0 up or down, e.g. down to "pause" a migration source.</summary>
    public Task SetLinkAsync(bool up, CancellationToken cancellationToken = default) =>
        RunIp(cancellationToken, "-n", Netns, "link", "set", "eth0", up ? "up" : "down");

    /// <summary>Announces eth0's MAC with RARP, as QEMU does when a migrated VM resumes.</summary>
    public Task SendRarpAsync(int count = 1, CancellationToken cancellationToken = default) =>
        RarpAnnouncer.SendAsync(Netns, "eth0", Options.Mac, count, cancellationToken);

    /// <summary>Unplugs the port from br-int and deletes the pod netns (which destroys the veth pair).</summary>
    public async Task RemoveAsync(CancellationToken cancellationToken = default)
    {
        await Node.VsctlAsync(["--if-exists", "del-port", OvsNode.IntegrationBridge, HostInterface], cancellationToken).ConfigureAwait(false);
        await NetworkNamespace.DeleteAsync(Netns, cancellationToken).ConfigureAwait(false);
    }

    private static Task<CommandResult> RunIp(CancellationToken cancellationToken, params string[] args) =>
        CommandRunner.RunCheckedAsync("ip", args, cancellationToken: cancellationToken);
}
