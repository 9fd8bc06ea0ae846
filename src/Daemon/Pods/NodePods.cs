using System.Collections.Concurrent;
using VmNet.Kube.Models;

namespace VmNet.Daemon.Pods;

/// <summary>
/// The pods of this node as the pre-plugger's list and watch last delivered them. A CNI ADD whose pod is here with
/// the UID kubelet names (K8S_POD_UID) and whose allocation is complete takes it from here instead of reading the
/// pod from the API server (0.5-1 ms of the ADD, measured in the cni-add bench). The allocation annotations of one pod
/// UID are written once by the controller, so a watch that lags can only lack them, never hold outdated ones; a pod
/// missing here, with another UID, or not yet allocated is read and watched as before.
/// </summary>
public sealed class NodePods
{
    private readonly ConcurrentDictionary<(string Namespace, string Name), V1Pod> _pods = new();

    public int Count => _pods.Count;

    public void Seen(V1Pod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        if (pod.Metadata is { Namespace: { } ns, Name: { } name })
        {
            _pods[(ns, name)] = pod;
        }
    }

    public void Forget(string? namespaceName, string? name)
    {
        if (namespaceName is not null && name is not null)
        {
            _pods.TryRemove((namespaceName, name), out _);
        }
    }

    /// <summary>After a (re)list: exactly the listed pods.</summary>
    public void ReplaceAll(IEnumerable<V1Pod> pods)
    {
        ArgumentNullException.ThrowIfNull(pods);
        var listed = pods.Where(p => p.Metadata is { Namespace: not null, Name: not null })
            .ToDictionary(p => (p.Metadata!.Namespace!, p.Metadata.Name!));
        foreach (var key in _pods.Keys.Where(k => !listed.ContainsKey(k)))
        {
            _pods.TryRemove(key, out _);
        }

        foreach (var (key, pod) in listed)
        {
            _pods[key] = pod;
        }
    }

    /// <summary>The pod last seen under this name, only when its UID is <paramref name="uid"/> (never for an empty UID).</summary>
    public V1Pod? Find(string namespaceName, string name, string? uid) =>
        !string.IsNullOrEmpty(uid) && _pods.TryGetValue((namespaceName, name), out var pod) && pod.Metadata?.Uid == uid ? pod : null;
}
