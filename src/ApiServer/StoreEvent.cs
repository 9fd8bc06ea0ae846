namespace VmNet.ApiServer;

/// <summary>Watch event types as they appear on the wire.</summary>
internal static class WatchEventType
{
    public const string Added = "ADDED";
    public const string Modified = "MODIFIED";
    public const string Deleted = "DELETED";
    public const string Bookmark = "BOOKMARK";
    public const string Error = "ERROR";
}

/// <summary>One committed change. <see cref="Previous"/> is the state before (for selector transitions).</summary>
internal sealed record StoreEvent(GroupResource Resource, string Type, StoredObject Object, StoredObject? Previous)
{
    public long ResourceVersion => Object.ResourceVersion;
}

/// <summary>A watch event ready for the wire: type plus the object's JSON.</summary>
internal readonly record struct WatchFrame(string Type, byte[] Object);
