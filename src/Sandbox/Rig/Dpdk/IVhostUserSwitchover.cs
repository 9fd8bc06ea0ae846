using VmNet.Dpdk;

namespace VmNet.Sandbox.Rig.Dpdk;

/// <summary>
/// Who moves the VM's logical port during a vhost-user live migration: the VmNet controller driven by KubeVirt's
/// objects, or (the bench's comparison) a controller that rebinds the port only after the migration completed.
/// </summary>
public interface IVhostUserSwitchover
{
    /// <summary>The VM starts on <paramref name="node"/> (before its launcher pod's port is plugged).</summary>
    Task BootAsync(OvsNode node, CancellationToken cancellationToken);

    /// <summary>
    /// The migration is scheduled: the target launcher pod exists and the port must be bound on both chassis before
    /// the target's CNI ADD (which waits for ovn-installed). Returns the activation the port got.
    /// </summary>
    Task<MigrationActivationDecision> BeginAsync(OvsNode source, OvsNode target, CancellationToken cancellationToken);

    /// <summary>QEMU reported the migration completed: the port ends on the target chassis alone.</summary>
    Task CompleteAsync(OvsNode source, OvsNode target, CancellationToken cancellationToken);
}
