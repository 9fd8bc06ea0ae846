namespace VmNet.Controller.Runtime.Informers;

internal enum NotificationKind
{
    Add,
    Update,
    Delete,
}

/// <summary>One queued call on a handler; <see cref="Flag"/> is isInInitialList for adds, finalStateUnknown for deletes.</summary>
internal readonly record struct Notification<T>(NotificationKind Kind, T? Old, T Current, bool Flag)
    where T : class
{
    public static Notification<T> Added(T obj, bool initial) => new(NotificationKind.Add, null, obj, initial);

    public static Notification<T> Updated(T old, T current) => new(NotificationKind.Update, old, current, false);

    public static Notification<T> Deleted(T lastKnown, bool finalStateUnknown) => new(NotificationKind.Delete, null, lastKnown, finalStateUnknown);
}
