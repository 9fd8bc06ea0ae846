namespace VmNet.Kube;

/// <summary>Kinds of watch events. ERROR events never appear here: they are raised as exceptions.</summary>
public enum WatchEventType
{
    Added,
    Modified,
    Deleted,

    /// <summary>No change: the object carries only <c>metadata.resourceVersion</c>, the version to resume from.</summary>
    Bookmark,
}

/// <summary>One event of a watch stream.</summary>
public sealed record WatchEvent<T>(WatchEventType Type, T Object)
    where T : class;
