namespace VmNet.Sandbox.Qemu;

/// <summary>
/// Kube-OVN's live-migration handling on OVN >= 22.09: before the migration the port may be bound on both
/// chassis (requested-chassis=src,dst) but the target stays blocked until the VM's first RARP
/// (activation-strategy=rarp), which QEMU sends the moment the target resumes; afterwards only the target.
/// </summary>
public sealed class MultiChassisSwitchover : IPortSwitchover
{
    public string Name => "mc";

    public async Task BeforeMigrationAsync(PortSwitchoverContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        await context.Central.NbctlAsync(
            ["lsp-set-options", context.LogicalPort, $"requested-chassis={context.SourceChassis},{context.TargetChassis}", "activation-strategy=rarp"],
            cancellationToken).ConfigureAwait(false);
        await context.Target.SetIfaceIdAsync(context.LogicalPort, cancellationToken).ConfigureAwait(false);
        // The target's flows (blocked until RARP) must be in place before the guest can resume there.
        await context.Central.NbctlAsync(["--wait=hv", "sync"], cancellationToken).ConfigureAwait(false);
    }

    public Task AfterCompletedAsync(PortSwitchoverContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Central.NbctlAsync(["lsp-set-options", context.LogicalPort, "requested-chassis=" + context.TargetChassis], cancellationToken);
    }

    public async Task AfterFailedAsync(PortSwitchoverContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        await context.Central.NbctlAsync(["lsp-set-options", context.LogicalPort, "requested-chassis=" + context.SourceChassis], cancellationToken).ConfigureAwait(false);
        await context.Target.ClearIfaceIdAsync(cancellationToken).ConfigureAwait(false);
    }
}
