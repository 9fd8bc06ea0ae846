namespace VmNet.ApiServer;

/// <summary>How dependents are treated when their owner is deleted.</summary>
public enum PropagationPolicy
{
    Background,
    Foreground,
    Orphan,
}

/// <summary>The parts of metav1.DeleteOptions the server honours.</summary>
public sealed record DeleteOptions
{
    public PropagationPolicy? Propagation { get; init; }

    public string? PreconditionUid { get; init; }

    public string? PreconditionResourceVersion { get; init; }

    public static DeleteOptions Default { get; } = new();
}

/// <summary>Result of a delete: the object's last state and whether it is gone (false: waits on finalizers).</summary>
internal sealed record DeleteOutcome(StoredObject Object, bool Removed);
