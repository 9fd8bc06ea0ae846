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

    /// <summary>The host end of the pod's veth in the node's netns (Kube-OVN: first 12 characters of the container ID + "_h").</summary>
    public string HostVeth => ContainerId[..12] + "_h";

    public Task<CommandResult> ExecAsync(string file, params string[] arguments) =>
        NetworkNamespace.ExecAsync(Netns, file, arguments, TimeSpan.FromSeconds(60));

    /// <summary>ping -c COUNT -i 0.2 -W 2 [extra] TARGET inside the pod.</summary>
    public Task<CommandResult> PingAsync(string target, int count = 3, params string[] extra) =>
        ExecAsync("ping", ["-c", count.ToString(System.Globalization.CultureInfo.InvariantCulture), "-i", "0.2", "-W", "2", .. extra, target]);

    public override string ToString() => $"pod {Namespace}/{Name} on {Node.Name} (netns {Netns}, container {ContainerId[..12]})";
}
