using VmNet.Kube.Models;

namespace VmNet.Controller.Runtime.Events;

/// <summary>Records core/v1 Events about objects. Never blocks and never throws for API failures.</summary>
public interface IEventRecorder
{
    void Record(V1ObjectReference involved, EventType type, string reason, string message);
}

/// <summary>Shorthands for the two event types.</summary>
public static class EventRecorderExtensions
{
    public static void Normal(this IEventRecorder recorder, V1ObjectReference involved, string reason, string message) =>
        recorder.Record(involved, EventType.Normal, reason, message);

    public static void Warning(this IEventRecorder recorder, V1ObjectReference involved, string reason, string message) =>
        recorder.Record(involved, EventType.Warning, reason, message);
}
