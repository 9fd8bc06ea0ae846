using VmNet.Sandbox.Qemu;
using VmNet.Sandbox.Rig;

namespace VmNet.E2E.Migration;

/// <summary>
/// Wraps the controller-driven switchover and checks, after each of its steps, what ovn-controller reported in
/// the Southbound Port_Binding: the source as <c>chassis</c> and the target as <c>additional_chassis</c> while the
/// migration runs; one chassis and no additional one once it completed or failed.
/// </summary>
public sealed class ControllerDrivenSouthbound(IPortSwitchover inner) : IPortSwitchover
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public string Name => inner.Name + "+southbound";

    /// <summary>One line per verified step, e.g. <c>running: chassis=node1 additional=node2</c>.</summary>
    public List<string> Verified { get; } = [];

    public async Task BeforeMigrationAsync(PortSwitchoverContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        await inner.BeforeMigrationAsync(context, cancellationToken);
        await WaitBindingAsync(context, "running", context.SourceChassis, context.TargetChassis, cancellationToken);
    }

    public async Task AfterCompletedAsync(PortSwitchoverContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        await inner.AfterCompletedAsync(context, cancellationToken);
        await WaitBindingAsync(context, "completed", context.TargetChassis, null, cancellationToken);
    }

    public async Task AfterFailedAsync(PortSwitchoverContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        await inner.AfterFailedAsync(context, cancellationToken);
        await WaitBindingAsync(context, "failed", context.SourceChassis, null, cancellationToken);
    }

    private async Task WaitBindingAsync(PortSwitchoverContext context, string step, string chassis, string? additional, CancellationToken cancellationToken)
    {
        await WaitAsync(context.Central, context.LogicalPort, step, chassis, additional, cancellationToken);
        Verified.Add($"{step}: chassis={chassis} additional={additional ?? "-"}");
    }

    /// <summary>Waits until ovn-controller reports <paramref name="port"/> bound on <paramref name="chassis"/> with <paramref name="additional"/> (null: none) as additional chassis.</summary>
    public static async Task WaitAsync(OvnCentral central, string port, string step, string chassis, string? additional, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + Timeout;
        string seen;
        while (true)
        {
            var expectedChassis = await ChassisUuidAsync(central, chassis, cancellationToken);
            var expectedAdditional = additional is null ? string.Empty : await ChassisUuidAsync(central, additional, cancellationToken);
            var bound = await ColumnAsync(central, port, "chassis", cancellationToken);
            var extra = await ColumnAsync(central, port, "additional_chassis", cancellationToken);
            seen = $"chassis={bound} additional_chassis={extra}";
            if (expectedChassis.Length > 0 && bound == expectedChassis && extra == expectedAdditional)
            {
                return;
            }

            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException($"{step}: Port_Binding {port} should be on {chassis} (additional {additional ?? "none"}); Southbound has {seen}");
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    private static async Task<string> ColumnAsync(OvnCentral central, string port, string column, CancellationToken cancellationToken) =>
        (await central.SbctlAsync(["--bare", "--columns=" + column, "find", "Port_Binding", "logical_port=" + port], cancellationToken)).Stdout.Trim();

    private static async Task<string> ChassisUuidAsync(OvnCentral central, string name, CancellationToken cancellationToken) =>
        (await central.SbctlAsync(["--bare", "--columns=_uuid", "find", "Chassis", "name=" + name], cancellationToken)).Stdout.Trim();
}
