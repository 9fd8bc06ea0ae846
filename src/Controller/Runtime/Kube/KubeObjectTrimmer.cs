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

    /// <summary>
    /// Drops metadata fields outside the model (managedFields above all) and pools the strings that repeat
    /// across objects (namespace, label and annotation keys, label values, owner references).
    /// </summary>
    public static V1ObjectMeta? TrimMetadata(V1ObjectMeta? meta, StringPool? pool = null)
    {
        if (meta is null)
        {
            return null;
        }

        pool ??= StringPool.Shared;
        meta.AdditionalProperties = NoExtraFields;
        meta.Namespace = pool.Intern(meta.Namespace);
        meta.GenerateName = pool.Intern(meta.GenerateName);
        meta.Labels = pool.InternDictionary(meta.Labels, internValues: true);
        meta.Annotations = pool.InternDictionary(meta.Annotations, internValues: false);
        if (meta.OwnerReferences is { } owners)
        {
            foreach (var owner in owners)
            {
                owner.AdditionalProperties = NoExtraFields;
                owner.ApiVersion = pool.Intern(owner.ApiVersion)!;
                owner.Kind = pool.Intern(owner.Kind)!;
                owner.Name = pool.Intern(owner.Name)!;
                owner.Uid = pool.Intern(owner.Uid)!;
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
        pod.ApiVersion = StringPool.Shared.Intern(pod.ApiVersion);
        pod.Kind = StringPool.Shared.Intern(pod.Kind);
        TrimMetadata(pod.Metadata);
        if (pod.Spec is { } spec)
        {
            pod.Spec = new V1PodSpec { NodeName = StringPool.Shared.Intern(spec.NodeName), HostNetwork = spec.HostNetwork, AdditionalProperties = NoExtraFields };
        }

        if (pod.Status is { } status)
        {
            pod.Status = new V1PodStatus
            {
                Phase = StringPool.Shared.Intern(status.Phase),
                PodIP = status.PodIP,
                PodIPs = status.PodIPs,
                HostIP = StringPool.Shared.Intern(status.HostIP),
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
