namespace VmNet.Controller.Runtime.Informers;

/// <summary>An <see cref="IObjectMetaAccessor{T}"/> made of delegates, for models without a common base type.</summary>
public sealed class ObjectMetaAccessor<T> : IObjectMetaAccessor<T>
    where T : class
{
    public required Func<T, string> Name { get; init; }

    public required Func<T, string?> Namespace { get; init; }

    public required Func<T, string?> ResourceVersion { get; init; }

    public Func<T, string?> Uid { get; init; } = _ => null;

    public Func<T, IEnumerable<string>> OwnerUids { get; init; } = _ => [];

    public string GetName(T obj) => Name(obj);

    public string? GetNamespace(T obj) => Namespace(obj);

    public string? GetUid(T obj) => Uid(obj);

    public string? GetResourceVersion(T obj) => ResourceVersion(obj);

    public IEnumerable<string> GetOwnerUids(T obj) => OwnerUids(obj);
}
