using VmNet.Kube.Models;
using VmNet.Sandbox.Rig;

namespace VmNet.Sandbox.Stack;

/// <summary>What the kubelet stand-in needs to create a pod: the node it is scheduled to, and optionally its metadata.</summary>
public sealed record PodRequest(OvsNode Node)
{
    /// <summary>Pod name; default: &lt;Label&gt;-&lt;run id&gt;-&lt;counter&gt;.</summary>
    public string? Name { get; init; }

    /// <summary>Prefix of the generated name.</summary>
    public string Label { get; init; } = "pod";

    public string Namespace { get; init; } = "default";

    /// <summary>User annotations (e.g. ovn.kubernetes.io/ingress_rate, ovn.kubernetes.io/logical_switch).</summary>
    public IReadOnlyDictionary<string, string>? Annotations { get; init; }

    public IReadOnlyDictionary<string, string>? Labels { get; init; }

    public IReadOnlyList<V1OwnerReference>? OwnerReferences { get; init; }
}
