using VmNet.Sandbox.Rig;

namespace VmNet.Sandbox.Qemu;

/// <summary>
/// Hands the port switchover to an external controller (the VmNet controller's migration watcher) and only
/// observes it: each hook runs a notification (e.g. create / complete / fail the VirtualMachineInstanceMigration
/// in the API server), then waits until the Northbound port shows the state the multi-chassis protocol requires.
/// The harness still sets the target's iface-id, standing in for the daemon's CNI ADD of the target pod.
/// </summary>
public sealed class ControllerSwitchover(
    Func<PortSwitchoverContext, CancellationToken, Task> migrationStarted,
    Func<PortSwitchoverContext, CancellationToken, Task> migrationSucceeded,
    Func<PortSwitchoverContext, CancellationToken, Task> migrationFailed,
    TimeSpan timeout) : IPortSwitchover
{
    public string Name => "controller";

    public async Task BeforeMigrationAsync(PortSwitchoverContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        await context.Target.SetIfaceIdAsync(context.LogicalPort, cancellationToken).ConfigureAwait(false);
        await migrationStarted(context, cancellationToken).ConfigureAwait(false);
        await WaitOptionsAsync(context, $"{context.SourceChassis},{context.TargetChassis}", "rarp", cancellationToken).ConfigureAwait(false);
        await context.Central.NbctlAsync(["--wait=hv", "sync"], cancellationToken).ConfigureAwait(false);
    }

    public async Task AfterCompletedAsync(PortSwitchoverContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        await migrationSucceeded(context, cancellationToken).ConfigureAwait(false);
        await WaitOptionsAsync(context, context.TargetChassis, null, cancellationToken).ConfigureAwait(false);
    }

    public async Task AfterFailedAsync(PortSwitchoverContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        await migrationFailed(context, cancellationToken).ConfigureAwait(false);
        await WaitOptionsAsync(context, context.SourceChassis, null, cancellationToken).ConfigureAwait(false);
        await context.Target.ClearIfaceIdAsync(cancellationToken).ConfigureAwait(false);
    }

    private Task WaitOptionsAsync(PortSwitchoverContext context, string requestedChassis, string? activationStrategy, CancellationToken cancellationToken) =>
        LogicalPortOptions.WaitAsync(context.Central, context.LogicalPort, requestedChassis, activationStrategy, timeout, "the controller", cancellationToken);
}
