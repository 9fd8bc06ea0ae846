namespace VmNet.Controller.Runtime.Informers;

/// <summary>The kinds of event a Kubernetes watch stream carries.</summary>
public enum WatchEventType
{
    Added,
    Modified,
    Deleted,

    /// <summary>Only the resource version moved on (allowWatchBookmarks); the object carries nothing else.</summary>
    Bookmark,

    /// <summary>The server ended the watch with a Status; see <see cref="WatchEvent{T}.ErrorCode"/>.</summary>
    Error,
}

/// <summary>
/// One event of a watch stream. For <see cref="WatchEventType.Bookmark"/> only <see cref="ResourceVersion"/>
/// matters; for <see cref="WatchEventType.Error"/> <see cref="Object"/> is null and the status is carried.
/// </summary>
public sealed record WatchEvent<T>(WatchEventType Type, T? Object, string? ResourceVersion, int ErrorCode = 0, string? ErrorMessage = null)
    where T : class
{
    public static WatchEvent<T> Bookmark(string resourceVersion) => new(WatchEventType.Bookmark, null, resourceVersion);

    public static WatchEvent<T> Error(int code, string message) => new(WatchEventType.Error, null, null, code, message);
}
