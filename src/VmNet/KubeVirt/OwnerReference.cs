namespace VmNet.KubeVirt;

/// <summary>The parts of a Kubernetes ownerReference the KubeVirt logic reads.</summary>
public sealed record OwnerReference(string ApiVersion, string Kind, string Name, string? Uid = null);
