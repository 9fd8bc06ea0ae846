using System.Collections.ObjectModel;
using VmNet.Kube;
using VmNet.Kube.Models;

namespace VmNet.Controller.Runtime.Kube;

/// <summary>
/// Transforms for <see cref="Informers.SharedInformerOptions{T}.Transform"/> that drop what controllers never
/// read before objects are cached. Fields our models do not declare (managedFields, and whatever newer servers
/// add) land in the generated AdditionalProperties bags; those are the bulk of a cached object.
/// </summary>
public static class KubeObjectTrimmer
{
    private static readonly IDictionary<string, object> NoExtraFields = ReadOnlyDictionary<string, object>.Empty;

    /// <summary>Drops metadata fields outside the model (managedFields above all).</summary>
    public static V1ObjectMeta? TrimMetadata(V1ObjectMeta? meta)
    {
        if (meta is not null)
        {
            meta.AdditionalProperties = NoExtraFields;
            if (meta.OwnerReferences is { } owners)
            {
                foreach (var owner in owners)
                {
                    owner.AdditionalProperties = NoExtraFields;
                }
            }
        }

        return meta;
    }

    /// <summary>
    /// Keeps what a network controller reads of a pod: metadata (labels, annotations, owners), node name, host
    /// networking, phase and IPs. Containers, conditions and unknown fields are dropped.
    /// </summary>
    public static V1Pod TrimPod(V1Pod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        pod.AdditionalProperties = NoExtraFields;
        TrimMetadata(pod.Metadata);
        if (pod.Spec is { } spec)
        {
            pod.Spec = new V1PodSpec { NodeName = spec.NodeName, HostNetwork = spec.HostNetwork, AdditionalProperties = NoExtraFields };
        }

        if (pod.Status is { } status)
        {
            pod.Status = new V1PodStatus
            {
                Phase = status.Phase,
                PodIP = status.PodIP,
                PodIPs = status.PodIPs,
                HostIP = status.HostIP,
                AdditionalProperties = NoExtraFields,
            };
        }

        return pod;
    }

    /// <summary>For any model: drop metadata fields outside the model (managedFields above all).</summary>
    public static T TrimUnknownFields<T>(T obj)
        where T : class, IKubeObject
    {
        ArgumentNullException.ThrowIfNull(obj);
        TrimMetadata(obj.Metadata);
        return obj;
    }
}
