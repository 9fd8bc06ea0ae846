using VmNet.Controller.Runtime.Informers;
using VmNet.Kube;

namespace VmNet.Controller.Runtime.Kube;

/// <summary>Shared informers for Kubernetes models, one per resource and scope.</summary>
public static class KubeInformers
{
    /// <summary>
    /// The shared informer for <typeparamref name="T"/> (all namespaces unless <paramref name="namespaceName"/>),
    /// created with namespace and owner-uid indices on first request. Options apply only on creation.
    /// </summary>
    public static SharedInformer<T> For<T>(
        this SharedInformerFactory factory,
        IKubeClient client,
        string? namespaceName = null,
        SharedInformerOptions<T>? options = null,
        string? labelSelector = null)
        where T : class, IKubeResourceObject
    {
        ArgumentNullException.ThrowIfNull(factory);
        var scope = $"{T.Resource}|{namespaceName}|{labelSelector}";
        return factory.GetOrAdd(scope, () => Create(client, T.Resource, namespaceName, options, labelSelector));
    }

    /// <summary>A standalone informer for any resource (for models without a static resource, e.g. <see cref="KubeObject"/>).</summary>
    public static SharedInformer<T> Create<T>(
        IKubeClient client,
        KubeResource resource,
        string? namespaceName = null,
        SharedInformerOptions<T>? options = null,
        string? labelSelector = null)
        where T : class, IKubeObject
    {
        var listWatcher = new KubeListWatcher<T>(client, resource, namespaceName) { LabelSelector = labelSelector };
        var meta = KubeObjectMeta<T>.Instance;
        var informer = new SharedInformer<T>(listWatcher, meta, options ?? new SharedInformerOptions<T> { Name = resource.Plural });
        informer.Indexer.AddIndexer(IndexFunctions.Namespace, IndexFunctions.ByNamespace(meta));
        informer.Indexer.AddIndexer(IndexFunctions.OwnerUid, IndexFunctions.ByOwnerUid(meta));
        return informer;
    }
}
