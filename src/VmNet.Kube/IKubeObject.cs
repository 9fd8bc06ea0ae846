using VmNet.Kube.Models;

namespace VmNet.Kube;

/// <summary>Any Kubernetes object: it has a type (apiVersion, kind) and object metadata.</summary>
public interface IKubeObject
{
    string? ApiVersion { get; set; }

    string? Kind { get; set; }

    V1ObjectMeta? Metadata { get; set; }
}

/// <summary>
/// A Kubernetes object whose REST resource is known from its type, so typed helpers
/// (<see cref="KubeClientExtensions"/>) can find the URL without being told.
/// </summary>
public interface IKubeResourceObject : IKubeObject
{
    static abstract KubeResource Resource { get; }
}
