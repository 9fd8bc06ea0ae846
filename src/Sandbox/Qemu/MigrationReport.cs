namespace VmNet.Sandbox.Qemu;

/// <summary>One migration as seen by QEMU and by the capture on the target's tap.</summary>
public sealed record MigrationReport
{
    public required string Switchover { get; init; }

    public required string SourceNode { get; init; }

    public required string TargetNode { get; init; }

    public required MigrationResult Qemu { get; init; }

    /// <summary>When the switchover's post-migration step (completed or failed) returned.</summary>
    public required DateTimeOffset SwitchoverDoneAt { get; init; }

    /// <summary>First frame OVN delivered to the target's tap for the VM's MAC after RESUME (null: none seen, or not completed).</summary>
    public CapturedFrame? FirstDeliveredAfterResume { get; init; }

    /// <summary>RESUME to <see cref="FirstDeliveredAfterResume"/>: the network's share of the downtime.</summary>
    public TimeSpan? ResumeToFirstDelivered =>
        FirstDeliveredAfterResume is { } f && Qemu.TargetResumedAt is { } r ? f.Timestamp - r : null;

    /// <summary>Per sender MAC (<see cref="MigrationOptions.Senders"/>): RESUME to its first frame delivered to the target tap; absent if none was seen.</summary>
    public IReadOnlyDictionary<string, TimeSpan> FirstDeliveredBySender { get; init; } = new Dictionary<string, TimeSpan>();

    /// <summary>Frames for the VM's MAC that reached the target tap before RESUME (delivered to a paused guest).</summary>
    public int DeliveredBeforeResume { get; init; }

    /// <summary>When QEMU's RARP announcements left the target tap, relative to RESUME.</summary>
    public IReadOnlyList<TimeSpan> RarpAfterResume { get; init; } = [];
}
