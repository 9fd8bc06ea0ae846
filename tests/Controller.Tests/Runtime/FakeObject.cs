using VmNet.Controller.Runtime.Informers;

namespace VmNet.Controller.Tests.Runtime;

/// <summary>A minimal Kubernetes-like object for informer tests without a server.</summary>
public sealed record FakeObject(string Namespace, string Name, string ResourceVersion, string Data = "", string? NodeName = null, string? OwnerUid = null)
{
    public string Uid { get; init; } = Guid.NewGuid().ToString();

    public string Key => ObjectKeys.For(Namespace, Name);

    public static ObjectMetaAccessor<FakeObject> Meta { get; } = new()
    {
        Name = o => o.Name,
        Namespace = o => o.Namespace,
        ResourceVersion = o => o.ResourceVersion,
        Uid = o => o.Uid,
        OwnerUids = o => o.OwnerUid is null ? [] : [o.OwnerUid],
    };
}
