using VmNet.Kube;
using VmNet.Kube.Models;

namespace VmNet.Controller.Runtime.Events;

/// <summary>Builds the involvedObject reference of an Event from the object it is about.</summary>
public static class ObjectReferences
{
    public static V1ObjectReference For<T>(T obj)
        where T : class, IKubeResourceObject =>
        For(obj, T.Resource);

    public static V1ObjectReference For(IKubeObject obj, KubeResource resource)
    {
        ArgumentNullException.ThrowIfNull(obj);
        ArgumentNullException.ThrowIfNull(resource);
        var meta = obj.Metadata ?? throw new ArgumentException($"{resource.Kind} has no metadata", nameof(obj));
        return new V1ObjectReference
        {
            ApiVersion = resource.ApiVersion,
            Kind = resource.Kind,
            Namespace = meta.Namespace,
            Name = meta.Name ?? throw new ArgumentException($"{resource.Kind} has no metadata.name", nameof(obj)),
            Uid = meta.Uid,
            ResourceVersion = meta.ResourceVersion,
        };
    }
}
