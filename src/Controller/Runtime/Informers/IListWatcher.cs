namespace VmNet.Controller.Runtime.Informers;

/// <summary>A consistent snapshot of a collection and the resource version it was taken at.</summary>
public sealed record ListResult<T>(IReadOnlyList<T> Items, string ResourceVersion);

/// <summary>
/// Lists and watches one resource (client-go's ListerWatcher). Implementations throw
/// <see cref="ResourceExpiredException"/> when the server answers 410 Gone (the resource version was
/// compacted away), so the informer knows to list again rather than resume.
/// </summary>
public interface IListWatcher<T>
    where T : class
{
    Task<ListResult<T>> ListAsync(CancellationToken cancellationToken);

    /// <summary>Streams changes after <paramref name="resourceVersion"/>, with bookmarks requested; ends when the server closes the stream.</summary>
    IAsyncEnumerable<WatchEvent<T>> WatchAsync(string resourceVersion, CancellationToken cancellationToken);
}
