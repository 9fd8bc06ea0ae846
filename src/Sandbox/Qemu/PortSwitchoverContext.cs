using VmNet.Sandbox.Rig;

namespace VmNet.Sandbox.Qemu;

/// <summary>Everything a switchover needs about one migration. Chassis names are the nodes' names (system-id).</summary>
public sealed record PortSwitchoverContext(OvnCentral Central, string LogicalPort, VmAttachment Source, VmAttachment Target)
{
    public string SourceChassis => Source.Node.Name;

    public string TargetChassis => Target.Node.Name;

    /// <summary>RESUME on the target and completion on the source as they happen (fired by <see cref="MigratableVm"/>).</summary>
    public MigrationSignals Signals { get; init; } = new();
}
