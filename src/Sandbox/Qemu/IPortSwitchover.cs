namespace VmNet.Sandbox.Qemu;

/// <summary>
/// Moves a VM's OVN logical port from the migration source to the target. Here it is done with ovn-nbctl /
/// ovs-vsctl (<see cref="MultiChassisSwitchover"/>, <see cref="NaiveSwitchover"/>); the VmNet controller and
/// daemon plug in as another implementation. Each call must leave the port in the state its name promises.
/// </summary>
public interface IPortSwitchover
{
    /// <summary>Short name used in reports ("mc", "naive").</summary>
    string Name { get; }

    /// <summary>Target endpoint plugged (unbound), target QEMU about to start with -incoming.</summary>
    Task BeforeMigrationAsync(PortSwitchoverContext context, CancellationToken cancellationToken);

    /// <summary>QEMU reported "completed"; the target runs the guest. Called before the source is torn down.</summary>
    Task AfterCompletedAsync(PortSwitchoverContext context, CancellationToken cancellationToken);

    /// <summary>The migration failed or was cancelled; the source keeps running and must stay reachable.</summary>
    Task AfterFailedAsync(PortSwitchoverContext context, CancellationToken cancellationToken);
}
