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

    /// <summary>Polls the LSP until requested-chassis (and activation-strategy, null = absent) match.</summary>
    private async Task WaitOptionsAsync(PortSwitchoverContext context, string requestedChassis, string? activationStrategy, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        IReadOnlyDictionary<string, string> options;
        while (true)
        {
            options = await ReadOptionsAsync(context.Central, context.LogicalPort, cancellationToken).ConfigureAwait(false);
            var chassisMatch = options.TryGetValue("requested-chassis", out var rc) && rc == requestedChassis;
            var strategyMatch = options.TryGetValue("activation-strategy", out var s) ? s == activationStrategy : activationStrategy is null;
            if (chassisMatch && strategyMatch)
            {
                return;
            }

            if (DateTime.UtcNow >= deadline)
            {
                throw new QemuException(
                    $"the controller did not set Logical_Switch_Port {context.LogicalPort} options requested-chassis={requestedChassis}"
                    + $" activation-strategy={activationStrategy ?? "(absent)"} within {timeout.TotalSeconds:0.#} s; options are {{{string.Join(", ", options.Select(kv => kv.Key + "=" + kv.Value))}}}");
            }

            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<IReadOnlyDictionary<string, string>> ReadOptionsAsync(OvnCentral central, string logicalPort, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var key in new[] { "requested-chassis", "activation-strategy" })
        {
            var value = await central.NbctlAsync(["--if-exists", "get", "Logical_Switch_Port", logicalPort, "options:" + key], cancellationToken).ConfigureAwait(false);
            var text = value.Stdout.Trim().Trim('"');
            if (text.Length > 0)
            {
                result[key] = text;
            }
        }

        return result;
    }
}
