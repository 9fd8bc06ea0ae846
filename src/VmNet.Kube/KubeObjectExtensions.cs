using VmNet.Kube.Models;

namespace VmNet.Kube;

/// <summary>References to objects, built from what the object says about itself and its resource.</summary>
public static class KubeObjectExtensions
{
    /// <summary>
    /// An owner reference to <paramref name="owner"/> for a dependent (e.g. an IP CR owned by its Node). The owner
    /// must have been read from the server: the garbage collector matches by uid.
    /// </summary>
    public static V1OwnerReference ToOwnerReference<T>(this T owner, bool controller = false, bool blockOwnerDeletion = false)
        where T : class, IKubeResourceObject
    {
        ArgumentNullException.ThrowIfNull(owner);
        var (name, uid) = (RequireName(owner, T.Resource), owner.Metadata?.Uid);
        if (string.IsNullOrEmpty(uid))
        {
            throw new ArgumentException($"{T.Resource.Kind} '{name}' has no metadata.uid; read it from the server before owning objects with it", nameof(owner));
        }

        return new V1OwnerReference
        {
            ApiVersion = T.Resource.ApiVersion,
            Kind = T.Resource.Kind,
            Name = name,
            Uid = uid,
            Controller = controller ? true : null,
            BlockOwnerDeletion = blockOwnerDeletion ? true : null,
        };
    }

    /// <summary>An object reference, e.g. the involvedObject of an Event.</summary>
    public static V1ObjectReference ToObjectReference<T>(this T obj)
        where T : class, IKubeResourceObject
    {
        ArgumentNullException.ThrowIfNull(obj);
        return new V1ObjectReference
        {
            ApiVersion = T.Resource.ApiVersion,
            Kind = T.Resource.Kind,
            Name = RequireName(obj, T.Resource),
            Namespace = T.Resource.Namespaced ? obj.Metadata?.Namespace : null,
            Uid = obj.Metadata?.Uid,
            ResourceVersion = obj.Metadata?.ResourceVersion,
        };
    }

    /// <summary>The controlling owner (the one with controller: true), if any.</summary>
    public static V1OwnerReference? GetControllerOf(this IKubeObject obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        return obj.Metadata?.OwnerReferences?.FirstOrDefault(o => o.Controller == true);
    }

    /// <summary>The cache/queue key client-go uses: <c>namespace/name</c>, or <c>name</c> for cluster-scoped objects.</summary>
    public static string GetKey(this IKubeObject obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        var name = obj.Metadata?.Name;
        if (string.IsNullOrEmpty(name))
        {
            throw new ArgumentException($"{obj.Kind ?? obj.GetType().Name} has no metadata.name", nameof(obj));
        }

        return string.IsNullOrEmpty(obj.Metadata!.Namespace) ? name : $"{obj.Metadata.Namespace}/{name}";
    }

    private static string RequireName(IKubeObject obj, KubeResource resource) =>
        obj.Metadata?.Name is { Length: > 0 } name
            ? name
            : throw new ArgumentException($"{resource.Kind} has no metadata.name", nameof(obj));
}
