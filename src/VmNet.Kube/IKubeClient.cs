using VmNet.Kube.Models;

namespace VmNet.Kube;

/// <summary>
/// The Kubernetes REST verbs over any resource. Typed shortcuts for our models (resource inferred from the type)
/// are in <see cref="KubeClientExtensions"/>. Errors are <see cref="KubeException"/> subclasses; 409 surfaces as
/// <see cref="KubeConflictException"/> and is never retried.
/// </summary>
public interface IKubeClient
{
    /// <summary>GET one object.</summary>
    Task<T> GetAsync<T>(KubeResource resource, string? namespaceName, string name, CancellationToken cancellationToken = default)
        where T : class;

    /// <summary>GET one page of the collection (all namespaces when <paramref name="namespaceName"/> is null).</summary>
    Task<KubeList<T>> ListAsync<T>(KubeResource resource, string? namespaceName, ListOptions? options = null, CancellationToken cancellationToken = default)
        where T : class;

    /// <summary>
    /// POST a new object; namespace and name come from its metadata (or generateName). apiVersion and kind are
    /// filled in from <paramref name="resource"/> when unset (on <paramref name="obj"/> itself).
    /// </summary>
    Task<T> CreateAsync<T>(KubeResource resource, T obj, CancellationToken cancellationToken = default)
        where T : class, IKubeObject;

    /// <summary>
    /// PUT the whole object (or its <paramref name="subresource"/>, e.g. <c>status</c>). Set
    /// <c>metadata.resourceVersion</c> for optimistic concurrency: a stale version fails with 409.
    /// </summary>
    Task<T> ReplaceAsync<T>(KubeResource resource, T obj, string? subresource = null, CancellationToken cancellationToken = default)
        where T : class, IKubeObject;

    /// <summary>PATCH an object (or its <paramref name="subresource"/>) with a merge or JSON patch.</summary>
    Task<T> PatchAsync<T>(KubeResource resource, string? namespaceName, string name, KubePatch patch, string? subresource = null, CancellationToken cancellationToken = default)
        where T : class;

    /// <summary>DELETE an object; <paramref name="options"/> carry propagationPolicy and uid/resourceVersion preconditions.</summary>
    Task DeleteAsync(KubeResource resource, string? namespaceName, string name, V1DeleteOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Discovery: the resources <paramref name="group"/>/<paramref name="version"/> serves (empty group = core),
    /// or null when the server does not serve that group/version (e.g. KubeVirt not installed yet).
    /// </summary>
    Task<V1APIResourceList?> GetApiResourcesAsync(string group, string version, CancellationToken cancellationToken = default);

    /// <summary>
    /// Watch the collection. The sequence ends when the server closes the stream (timeoutSeconds, or the
    /// connection cut); the caller re-watches from the last resourceVersion seen. An expired version raises
    /// <see cref="KubeGoneException"/>: re-list, then watch again.
    /// </summary>
    IAsyncEnumerable<WatchEvent<T>> WatchAsync<T>(KubeResource resource, string? namespaceName, WatchOptions? options = null, CancellationToken cancellationToken = default)
        where T : class;
}
