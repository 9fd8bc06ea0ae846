using VmNet.Sandbox.Rig;

namespace VmNet.Sandbox.Stack;

/// <summary>
/// A pod as the kubelet stand-in made it: the pod object's namespace/name, its node, the netns the "container
/// runtime" created and the sandbox container ID. What CNI ADD put into the netns is read back through <see cref="ExecAsync"/>.
/// </summary>
public sealed record StackPod(string Namespace, string Name, OvsNode Node, string Netns, string ContainerId)
{
    public string NetnsPath => "/var/run/netns/" + Netns;

    /// <summary>The logical switch port the controller creates for the pod (Kube-OVN: &lt;pod&gt;.&lt;namespace&gt;).</summary>
    public string PortName => Name + "." + Namespace;

    /// <summary>
    /// Kube-OVN's name for the host end of a veth plugged at ADD time: first 12 characters of the container ID + "_h".
    /// A port the daemon pre-plugged before the ADD keeps its own name: use <see cref="HostInterfaceAsync"/> to find it.
    /// </summary>
    public string HostVeth => ContainerId[..12] + "_h";

    /// <summary>
    /// The OVS interface (= host veth in the node's netns) CNI ADD recorded this sandbox on
    /// (<c>external_ids:vmnet.io/container-id</c>), whatever its name; null when there is none.
    /// </summary>
    public async Task<string?> HostInterfaceAsync(CancellationToken cancellationToken = default)
    {
        var found = await Node.VsctlAsync(["--bare", "--columns=name", "find", "Interface", $"external_ids:\"vmnet.io/container-id\"=\"{ContainerId}\""], cancellationToken).ConfigureAwait(false);
        var names = found.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return names.Length switch
        {
            0 => null,
            1 => names[0],
            _ => throw new RigException($"{this}: {names.Length} OVS interfaces carry its container ID: {string.Join(", ", names)}"),
        };
    }

    /// <summary>Names of every OVS interface bound to the pod's logical port (iface-id), pre-plugged or not.</summary>
    public async Task<IReadOnlyList<string>> PortInterfacesAsync(CancellationToken cancellationToken = default)
    {
        var found = await Node.VsctlAsync(["--bare", "--columns=name", "find", "Interface", $"external_ids:iface-id=\"{PortName}\""], cancellationToken).ConfigureAwait(false);
        return found.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    public Task<CommandResult> ExecAsync(string file, params string[] arguments) =>
        NetworkNamespace.ExecAsync(Netns, file, arguments, TimeSpan.FromSeconds(60));

    /// <summary>ping -c COUNT -i 0.2 -W 2 [extra] TARGET inside the pod.</summary>
    public Task<CommandResult> PingAsync(string target, int count = 3, params string[] extra) =>
        ExecAsync("ping", ["-c", count.ToString(System.Globalization.CultureInfo.InvariantCulture), "-i", "0.2", "-W", "2", .. extra, target]);

    public override string ToString() => $"pod {Namespace}/{Name} on {Node.Name} (netns {Netns}, container {ContainerId[..12]})";
}
