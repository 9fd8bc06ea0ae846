namespace VmNet.Sandbox.Qemu;

/// <summary>Knobs of one live migration.</summary>
public sealed record MigrationOptions
{
    /// <summary>migrate-set-parameters max-bandwidth in bytes/s; null keeps QEMU's default (128 MiB/s in 7.2).</summary>
    public long? MaxBandwidth { get; init; }

    /// <summary>Issue migrate_cancel this long after "migrate" (tests of the abort path); null never cancels.</summary>
    public TimeSpan? CancelAfter { get; init; }

    /// <summary>Gives up (cancelling the migration) when it has not finished within this time.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>How long to keep the target-tap capture open after the switchover, waiting for delivered frames.</summary>
    public TimeSpan DeliveryWait { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Source MACs (pods sending to the VM) whose first delivered frame after RESUME is reported separately in
    /// <see cref="MigrationReport.FirstDeliveredBySender"/>; the capture waits for each (up to <see cref="DeliveryWait"/>).
    /// </summary>
    public IReadOnlyList<string> Senders { get; init; } = [];
}
