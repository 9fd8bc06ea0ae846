namespace VmNet.Sandbox.Qemu;

/// <summary>
/// The two events of a live migration that KubeVirt's node agents react to, as they happen: the guest resuming on
/// the target (QEMU's RESUME there; libvirt's "resumed, migrated" domain event that the target virt-handler sees)
/// and the migration job finishing on the source (QEMU's MIGRATION "completed"; the libvirt job the source
/// virt-launcher reports). <see cref="MigratableVm"/> fires them from QMP events while the migration runs, so a
/// switchover can start reacting at RESUME rather than when the harness is done polling QEMU. A context built
/// without a QEMU (controller-level tests) fires them from <see cref="IPortSwitchover.AfterCompletedAsync"/>.
/// </summary>
public sealed class MigrationSignals
{
    private readonly TaskCompletionSource<DateTimeOffset> _targetResumed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<DateTimeOffset> _sourceCompleted = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>When the guest resumed on the target (QEMU's own timestamp of RESUME).</summary>
    public Task<DateTimeOffset> TargetResumed => _targetResumed.Task;

    /// <summary>When the source reported the migration job completed (QEMU's own timestamp of MIGRATION "completed").</summary>
    public Task<DateTimeOffset> SourceCompleted => _sourceCompleted.Task;

    /// <summary>First report wins: a later one (e.g. the harness's own after-the-fact report) changes nothing.</summary>
    public void ReportTargetResumed(DateTimeOffset at) => _targetResumed.TrySetResult(at);

    /// <inheritdoc cref="ReportTargetResumed"/>
    public void ReportSourceCompleted(DateTimeOffset at) => _sourceCompleted.TrySetResult(at);

    /// <summary>The migration did not complete: whoever waits for these events stops waiting.</summary>
    public void Abandon()
    {
        _targetResumed.TrySetCanceled();
        _sourceCompleted.TrySetCanceled();
    }
}
