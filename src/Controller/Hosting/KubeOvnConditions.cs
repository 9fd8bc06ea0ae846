using VmNet.Kube.Models;

namespace VmNet.Controller.Hosting;

/// <summary>Kube-OVN style status conditions (<c>Ready</c>, <c>Validated</c>, <c>Error</c>) on Subnets and Vpcs.</summary>
public static class KubeOvnConditions
{
    public const string Ready = "Ready";
    public const string Validated = "Validated";
    public const string Error = "Error";

    /// <summary>
    /// Returns a copy of <paramref name="conditions"/> with <paramref name="type"/> set; the transition time
    /// moves only when the status value changes, the update time whenever reason or message change.
    /// </summary>
    public static List<V1KubeOvnCondition> Set(IReadOnlyList<V1KubeOvnCondition>? conditions, string type, bool status, string reason, string message, DateTimeOffset now, long? generation)
    {
        var list = (conditions ?? []).Select(Clone).ToList();
        var value = status ? "True" : "False";
        var existing = list.FirstOrDefault(c => c.Type == type);
        if (existing is null)
        {
            list.Add(new V1KubeOvnCondition
            {
                Type = type,
                Status = value,
                Reason = reason,
                Message = message,
                ObservedGeneration = generation,
                LastTransitionTime = now,
                LastUpdateTime = now,
            });
            return list;
        }

        if (existing.Status != value)
        {
            existing.LastTransitionTime = now;
            existing.LastUpdateTime = now;
        }
        else if (existing.Reason != reason || existing.Message != message)
        {
            existing.LastUpdateTime = now;
        }

        existing.Status = value;
        existing.Reason = reason;
        existing.Message = message;
        existing.ObservedGeneration = generation;
        return list;
    }

    public static V1KubeOvnCondition? Find(IReadOnlyList<V1KubeOvnCondition>? conditions, string type) =>
        conditions?.FirstOrDefault(c => c.Type == type);

    public static bool IsTrue(IReadOnlyList<V1KubeOvnCondition>? conditions, string type) =>
        Find(conditions, type)?.Status == "True";

    private static V1KubeOvnCondition Clone(V1KubeOvnCondition c) => new()
    {
        Type = c.Type,
        Status = c.Status,
        Reason = c.Reason,
        Message = c.Message,
        ObservedGeneration = c.ObservedGeneration,
        LastTransitionTime = c.LastTransitionTime,
        LastUpdateTime = c.LastUpdateTime,
    };
}
