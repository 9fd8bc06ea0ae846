using VmNet.Controller.Runtime.Informers;
using VmNet.Kube;

namespace VmNet.Controller.Runtime.Kube;

/// <summary>Reads metadata of any generated Kubernetes model (<see cref="IKubeObject"/>).</summary>
public sealed class KubeObjectMeta<T> : IObjectMetaAccessor<T>
    where T : class, IKubeObject
{
    public static KubeObjectMeta<T> Instance { get; } = new();

    public string GetName(T obj) =>
        obj.Metadata?.Name is { Length: > 0 } name
            ? name
            : throw new ArgumentException($"{typeof(T).Name} has no metadata.name", nameof(obj));

    public string? GetNamespace(T obj) => obj.Metadata?.Namespace;

    public string? GetUid(T obj) => obj.Metadata?.Uid;

    public string? GetResourceVersion(T obj) => obj.Metadata?.ResourceVersion;

    public IEnumerable<string> GetOwnerUids(T obj) =>
        obj.Metadata?.OwnerReferences is { Count: > 0 } owners ? owners.Select(o => o.Uid) : [];
}
