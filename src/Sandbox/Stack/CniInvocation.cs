namespace VmNet.Sandbox.Stack;

/// <summary>
/// One exec of the CNI binary exactly as kubelet (or Multus) does it: CNI_COMMAND, CNI_CONTAINERID, CNI_NETNS,
/// CNI_IFNAME, CNI_ARGS, CNI_PATH in the environment and the network configuration on stdin.
/// </summary>
public sealed record CniInvocation
{
    public required string Command { get; init; }

    public string ContainerId { get; init; } = string.Empty;

    /// <summary>Path of the pod's netns (/var/run/netns/NAME); null leaves CNI_NETNS unset.</summary>
    public string? NetnsPath { get; init; }

    public string IfName { get; init; } = "eth0";

    /// <summary>K8S_POD_NAMESPACE, K8S_POD_NAME, K8S_POD_INFRA_CONTAINER_ID, K8S_POD_UID... (IgnoreUnknown=1 is always added first).</summary>
    public IReadOnlyDictionary<string, string> Args { get; init; } = new Dictionary<string, string>();

    /// <summary>The network configuration (stdin), taken as is: malformed JSON is a valid test input.</summary>
    public required string NetConf { get; init; }

    public string CniArgs => string.Join(';', new[] { "IgnoreUnknown=1" }.Concat(Args.Select(a => a.Key + "=" + a.Value)));
}
