namespace VmNet.Sandbox.Qemu;

/// <summary>What one QEMU live migration did, by QEMU's own account (query-migrate, STOP/RESUME events).</summary>
public sealed record MigrationResult
{
    /// <summary>Final query-migrate status: "completed", "failed" or "cancelled".</summary>
    public required string Status { get; init; }

    public bool Completed => Status == "completed";

    public required DateTimeOffset MigrateCommandAt { get; init; }

    /// <summary>When our query-migrate poll first saw the final status.</summary>
    public required DateTimeOffset FinishedSeenAt { get; init; }

    /// <summary>STOP on the source (the guest's last instruction there).</summary>
    public DateTimeOffset? SourceStoppedAt { get; init; }

    /// <summary>RESUME on the target (the guest runs again).</summary>
    public DateTimeOffset? TargetResumedAt { get; init; }

    /// <summary>QEMU's reported downtime.</summary>
    public TimeSpan? Downtime { get; init; }

    public TimeSpan? TotalTime { get; init; }

    public long RamTransferredBytes { get; init; }

    /// <summary>STOP on the source to RESUME on the target, from the events' timestamps.</summary>
    public TimeSpan? PausedTime => SourceStoppedAt is { } s && TargetResumedAt is { } r ? r - s : null;

    /// <summary>QEMU's error-desc when the status is "failed".</summary>
    public string? Error { get; init; }
}
