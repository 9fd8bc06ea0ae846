namespace VmNet.Controller.Runtime.Informers;

/// <summary>Reads the object metadata the runtime needs, whatever the model type.</summary>
public interface IObjectMetaAccessor<in T>
    where T : class
{
    string GetName(T obj);

    /// <summary>Null or empty for cluster-scoped objects.</summary>
    string? GetNamespace(T obj);

    string? GetUid(T obj);

    string? GetResourceVersion(T obj);

    IEnumerable<string> GetOwnerUids(T obj);
}
