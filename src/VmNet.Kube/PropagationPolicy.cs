namespace VmNet.Kube;

/// <summary>Values of <c>DeleteOptions.propagationPolicy</c>.</summary>
public static class PropagationPolicy
{
    /// <summary>Delete the object now; the garbage collector deletes dependents in the background.</summary>
    public const string Background = "Background";

    /// <summary>The object stays (with a foregroundDeletion finalizer) until its blocking dependents are gone.</summary>
    public const string Foreground = "Foreground";

    /// <summary>Dependents are left behind, their owner references removed.</summary>
    public const string Orphan = "Orphan";
}
