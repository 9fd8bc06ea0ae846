namespace VmNet.Controller.Runtime.Informers;

/// <summary>Index names and functions the runtime offers out of the box.</summary>
public static class IndexFunctions
{
    public const string Namespace = "namespace";
    public const string NodeName = "nodeName";
    public const string OwnerUid = "ownerUid";

    /// <summary>Indexes namespaced objects by namespace (cluster-scoped objects are not indexed).</summary>
    public static Func<T, IEnumerable<string>> ByNamespace<T>(IObjectMetaAccessor<T> meta)
        where T : class =>
        obj => meta.GetNamespace(obj) is { Length: > 0 } ns ? [ns] : [];

    /// <summary>Indexes by the uid of every owner reference.</summary>
    public static Func<T, IEnumerable<string>> ByOwnerUid<T>(IObjectMetaAccessor<T> meta)
        where T : class =>
        meta.GetOwnerUids;

    /// <summary>Indexes by a node name read from the object (e.g. a pod's spec.nodeName); unscheduled objects are not indexed.</summary>
    public static Func<T, IEnumerable<string>> ByNodeName<T>(Func<T, string?> nodeName) =>
        obj => nodeName(obj) is { Length: > 0 } node ? [node] : [];
}
