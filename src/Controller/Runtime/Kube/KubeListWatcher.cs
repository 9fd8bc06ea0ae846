using System.Runtime.CompilerServices;
using VmNet.Controller.Runtime.Informers;
using VmNet.Kube;
using KubeWatchEventType = VmNet.Kube.WatchEventType;
using RuntimeWatchEventType = VmNet.Controller.Runtime.Informers.WatchEventType;

namespace VmNet.Controller.Runtime.Kube;

/// <summary>
/// Lists (in pages, like client-go's pager) and watches one resource through <see cref="IKubeClient"/>,
/// translating 410 Gone into <see cref="ResourceExpiredException"/>.
/// </summary>
public sealed class KubeListWatcher<T> : IListWatcher<T>
    where T : class, IKubeObject
{
    private readonly IKubeClient _client;
    private readonly KubeResource _resource;
    private readonly string? _namespace;

    public KubeListWatcher(IKubeClient client, KubeResource resource, string? namespaceName = null)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _resource = resource ?? throw new ArgumentNullException(nameof(resource));
        _namespace = namespaceName;
    }

    public string? LabelSelector { get; init; }

    public string? FieldSelector { get; init; }

    /// <summary>Items per list request; large collections arrive in several pages of one snapshot.</summary>
    public int PageSize { get; init; } = 500;

    /// <summary>The server closes each watch after about this long (randomised like client-go, 5-10 min) so connections get recycled.</summary>
    public TimeSpan WatchTimeout { get; init; } = TimeSpan.FromMinutes(5);

    public async Task<ListResult<T>> ListAsync(CancellationToken cancellationToken)
    {
        var items = new List<T>();
        var options = new ListOptions { LabelSelector = LabelSelector, FieldSelector = FieldSelector, Limit = PageSize };
        string? resourceVersion = null;
        try
        {
            while (true)
            {
                var page = await _client.ListAsync<T>(_resource, _namespace, options, cancellationToken).ConfigureAwait(false);
                items.AddRange(page.Items);
                resourceVersion ??= page.Metadata.ResourceVersion;
                if (string.IsNullOrEmpty(page.Metadata.Continue))
                {
                    break;
                }

                options = options with { Continue = page.Metadata.Continue };
            }
        }
        catch (KubeGoneException ex)
        {
            // The continue token expired mid-way: the pages would not form one snapshot.
            throw new ResourceExpiredException($"list of {_resource} expired between pages: {ex.Message}", ex);
        }

        return new ListResult<T>(items, resourceVersion ?? throw new KubeProtocolException($"list of {_resource} carried no metadata.resourceVersion"));
    }

    public async IAsyncEnumerable<Informers.WatchEvent<T>> WatchAsync(string resourceVersion, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var timeout = WatchTimeout.TotalSeconds * (1 + Random.Shared.NextDouble());
        var options = new WatchOptions
        {
            ResourceVersion = resourceVersion,
            LabelSelector = LabelSelector,
            FieldSelector = FieldSelector,
            AllowBookmarks = true,
            TimeoutSeconds = (int)Math.Max(1, timeout),
        };
        var stream = _client.WatchAsync<T>(_resource, _namespace, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
        await using (stream.ConfigureAwait(false))
        {
            while (true)
            {
                try
                {
                    if (!await stream.MoveNextAsync().ConfigureAwait(false))
                    {
                        yield break;
                    }
                }
                catch (KubeGoneException ex)
                {
                    throw new ResourceExpiredException($"watch of {_resource} from resource version {resourceVersion} expired: {ex.Message}", ex);
                }

                var evt = stream.Current;
                yield return evt.Type switch
                {
                    KubeWatchEventType.Added => new(RuntimeWatchEventType.Added, evt.Object, evt.Object.Metadata?.ResourceVersion),
                    KubeWatchEventType.Modified => new(RuntimeWatchEventType.Modified, evt.Object, evt.Object.Metadata?.ResourceVersion),
                    KubeWatchEventType.Deleted => new(RuntimeWatchEventType.Deleted, evt.Object, evt.Object.Metadata?.ResourceVersion),
                    KubeWatchEventType.Bookmark => Informers.WatchEvent<T>.Bookmark(evt.Object.Metadata?.ResourceVersion ?? string.Empty),
                    _ => throw new KubeProtocolException($"watch of {_resource} sent unknown event type {evt.Type}"),
                };
            }
        }
    }
}
