namespace VmNet.KubeVirt.Migration;

/// <summary>The VMI's <c>status.migrationState</c>, reduced to what the switchover needs.</summary>
public sealed record VmiMigrationState(
    string? MigrationUid,
    string? SourceNode,
    string? TargetNode,
    bool Completed,
    bool Failed,
    string? AbortStatus,
    DateTimeOffset? EndTimestamp);

/// <summary>The migration of a VMI the switchover follows: its VMIM's UID and phase.</summary>
public sealed record MigrationView(string Name, string? Uid, string? Phase);

/// <summary>
/// Everything the switchover decision looks at for one VMI (facts §5.4), read from informer caches by the
/// controller. Keyed by VMI, not VMIM, so that an abort by deleting the VMIM, a controller restart mid-migration
/// and a migration started while the previous one is being finalised are all decided from the current state.
/// </summary>
public sealed record MigrationObservation
{
    /// <summary>The in-flight VMIM of the VMI, else the one the VMI's migration state names, else null.</summary>
    public MigrationView? Migration { get; init; }

    /// <summary>Some port of the VM still requests two chassis (a switchover nobody finished).</summary>
    public bool PortsBoundToTwoChassis { get; init; }

    public required bool VmiExists { get; init; }

    /// <summary><c>vmi.status.nodeName</c>: the source when the migration state does not name one yet.</summary>
    public string? VmiNodeName { get; init; }

    public VmiMigrationState? VmiState { get; init; }

    /// <summary>Node of the live target launcher pod (label <c>kubevirt.io/migrationJobUID</c>), null when none.</summary>
    public string? TargetPodNode { get; init; }

    /// <summary>
    /// Nodes on which a live, non-terminating launcher pod of the VM runs (source and target launchers alike).
    /// KubeVirt ends the source launcher only after the guest runs on the target, so a source node missing here
    /// while the VMI reports completion means the switchover can finish at once.
    /// </summary>
    public IReadOnlySet<string> LauncherNodes { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>When the controller first saw this migration's target running (completion reported), for the fallback.</summary>
    public DateTimeOffset? TargetRunningSince { get; init; }

    public required DateTimeOffset Now { get; init; }

    /// <summary>How long the controller waits for the RARP-driven activation before completing the switchover itself.</summary>
    public required TimeSpan ActivationGrace { get; init; }
}
