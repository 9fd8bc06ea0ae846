namespace VmNet.Sandbox.Qemu;

/// <summary>
/// The baseline without multi-chassis support: the target's OVS port gets the iface-id only once QEMU
/// reports "completed" (as a controller reacting to the finished migration would), after unbinding the
/// source. Traffic reaches the target only after ovn-controller on both chassis processed that change.
/// <paramref name="reactionDelay"/> models a controller that learns of the completion later (through the
/// Kubernetes API); zero is the most favourable case for this baseline.
/// </summary>
public sealed class NaiveSwitchover(TimeSpan reactionDelay = default) : IPortSwitchover
{
    public string Name => "naive";

    public TimeSpan ReactionDelay { get; } = reactionDelay;

    public async Task BeforeMigrationAsync(PortSwitchoverContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        // No requested-chassis at all: the port binds wherever an OVS interface claims it (the source only).
        await context.Central.NbctlAsync(["lsp-set-options", context.LogicalPort], cancellationToken).ConfigureAwait(false);
        await context.Central.NbctlAsync(["--wait=hv", "sync"], cancellationToken).ConfigureAwait(false);
    }

    public async Task AfterCompletedAsync(PortSwitchoverContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (ReactionDelay > TimeSpan.Zero)
        {
            await Task.Delay(ReactionDelay, cancellationToken).ConfigureAwait(false);
        }

        await context.Source.ClearIfaceIdAsync(cancellationToken).ConfigureAwait(false);
        await context.Target.SetIfaceIdAsync(context.LogicalPort, cancellationToken).ConfigureAwait(false);
    }

    public Task AfterFailedAsync(PortSwitchoverContext context, CancellationToken cancellationToken) => Task.CompletedTask;
}
