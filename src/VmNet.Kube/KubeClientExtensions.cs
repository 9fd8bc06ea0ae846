using System.Runtime.CompilerServices;
using VmNet.Kube.Models;

namespace VmNet.Kube;

/// <summary>Typed verbs for models that know their resource (<see cref="IKubeResourceObject"/>), plus paging.</summary>
public static class KubeClientExtensions
{
    public static Task<T> GetAsync<T>(this IKubeClient client, string? namespaceName, string name, CancellationToken cancellationToken = default)
        where T : class, IKubeResourceObject =>
        client.GetAsync<T>(T.Resource, namespaceName, name, cancellationToken);

    public static Task<KubeList<T>> ListAsync<T>(this IKubeClient client, string? namespaceName, ListOptions? options = null, CancellationToken cancellationToken = default)
        where T : class, IKubeResourceObject =>
        client.ListAsync<T>(T.Resource, namespaceName, options, cancellationToken);

    /// <summary>Every item, page by page (following <c>continue</c> tokens), with <c>options.Limit</c> items per request.</summary>
    public static IAsyncEnumerable<T> ListAllAsync<T>(this IKubeClient client, string? namespaceName, ListOptions? options = null, CancellationToken cancellationToken = default)
        where T : class, IKubeResourceObject =>
        client.ListAllAsync<T>(T.Resource, namespaceName, options, cancellationToken);

    /// <summary>Every item of any resource, page by page.</summary>
    public static async IAsyncEnumerable<T> ListAllAsync<T>(this IKubeClient client, KubeResource resource, string? namespaceName, ListOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(client);
        var page = options ?? new ListOptions();
        while (true)
        {
            var list = await client.ListAsync<T>(resource, namespaceName, page, cancellationToken).ConfigureAwait(false);
            foreach (var item in list.Items)
            {
                yield return item;
            }

            var next = list.Metadata.Continue;
            if (string.IsNullOrEmpty(next))
            {
                yield break;
            }

            // A continue token pins the snapshot; resourceVersion must not be sent with it.
            page = page with { Continue = next, ResourceVersion = null, ResourceVersionMatch = null };
        }
    }

    /// <summary>True when the server serves <paramref name="resource"/> (its CRD is installed and established).</summary>
    public static async Task<bool> IsServedAsync(this IKubeClient client, KubeResource resource, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(resource);
        var list = await client.GetApiResourcesAsync(resource.Group, resource.Version, cancellationToken).ConfigureAwait(false);
        return list?.Resources.Any(r => r.Name == resource.Plural && r.Kind == resource.Kind) == true;
    }

    public static Task<T> CreateAsync<T>(this IKubeClient client, T obj, CancellationToken cancellationToken = default)
        where T : class, IKubeResourceObject =>
        client.CreateAsync(T.Resource, obj, cancellationToken);

    public static Task<T> ReplaceAsync<T>(this IKubeClient client, T obj, CancellationToken cancellationToken = default)
        where T : class, IKubeResourceObject =>
        client.ReplaceAsync(T.Resource, obj, null, cancellationToken);

    /// <summary>PUT the status subresource (only status changes are kept by the server).</summary>
    public static Task<T> ReplaceStatusAsync<T>(this IKubeClient client, T obj, CancellationToken cancellationToken = default)
        where T : class, IKubeResourceObject =>
        client.ReplaceAsync(T.Resource, obj, "status", cancellationToken);

    public static Task<T> PatchAsync<T>(this IKubeClient client, string? namespaceName, string name, KubePatch patch, CancellationToken cancellationToken = default)
        where T : class, IKubeResourceObject =>
        client.PatchAsync<T>(T.Resource, namespaceName, name, patch, null, cancellationToken);

    public static Task<T> PatchStatusAsync<T>(this IKubeClient client, string? namespaceName, string name, KubePatch patch, CancellationToken cancellationToken = default)
        where T : class, IKubeResourceObject =>
        client.PatchAsync<T>(T.Resource, namespaceName, name, patch, "status", cancellationToken);

    public static Task DeleteAsync<T>(this IKubeClient client, string? namespaceName, string name, V1DeleteOptions? options = null, CancellationToken cancellationToken = default)
        where T : class, IKubeResourceObject =>
        client.DeleteAsync(T.Resource, namespaceName, name, options, cancellationToken);

    public static IAsyncEnumerable<WatchEvent<T>> WatchAsync<T>(this IKubeClient client, string? namespaceName, WatchOptions? options = null, CancellationToken cancellationToken = default)
        where T : class, IKubeResourceObject =>
        client.WatchAsync<T>(T.Resource, namespaceName, options, cancellationToken);
}
