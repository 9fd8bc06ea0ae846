using VmNet.Sandbox.Rig;

namespace VmNet.Sandbox.Qemu;

/// <summary>One VM endpoint on a node: the netns QEMU runs in, its tap there, and the OVS port on br-int.</summary>
public sealed class VmAttachment(OvsNode node, string qemuNetns, string tap, string ovsPort, Func<CancellationToken, Task> remove)
{
    private int removed;

    public OvsNode Node { get; } = node;

    /// <summary>Network namespace QEMU must run in to open <see cref="Tap"/> (launcher pod netns or node netns).</summary>
    public string QemuNetns { get; } = qemuNetns;

    public string Tap { get; } = tap;

    /// <summary>Name of the br-int port in the node netns.</summary>
    public string OvsPort { get; } = ovsPort;

    public Task SetIfaceIdAsync(string logicalPort, CancellationToken cancellationToken = default) =>
        Node.VsctlAsync(["set", "Interface", OvsPort, "external_ids:iface-id=" + logicalPort], cancellationToken);

    public Task ClearIfaceIdAsync(CancellationToken cancellationToken = default) =>
        Node.VsctlAsync(["--if-exists", "remove", "Interface", OvsPort, "external_ids", "iface-id"], cancellationToken);

    /// <summary>True while br-int on the node still has the port.</summary>
    public async Task<bool> IsPluggedAsync(CancellationToken cancellationToken = default)
    {
        var ports = await Node.VsctlAsync(["list-ports", OvsNode.IntegrationBridge], cancellationToken).ConfigureAwait(false);
        return ports.Stdout.Split('\n', StringSplitOptions.TrimEntries).Contains(OvsPort);
    }

    /// <summary>Unplugs from br-int and deletes what the binding created; runs once.</summary>
    public Task RemoveAsync(CancellationToken cancellationToken = default) =>
        Interlocked.Exchange(ref removed, 1) == 0 ? remove(cancellationToken) : Task.CompletedTask;
}
