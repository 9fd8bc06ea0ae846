namespace VmNet.KubeVirt.Migration;

/// <summary>
/// Decides a VM's port binding during live migration (facts §5.4), as Kube-OVN's VMIM handler does plus two
/// things it lacks: the switchover does not depend on the first RARP alone (once the target runs, the controller
/// completes it after <see cref="MigrationObservation.ActivationGrace"/>), and a VMIM deleted mid-flight or a
/// restart that missed the final phase still ends with one chassis.
/// </summary>
public static class SwitchoverPlanner
{
    /// <summary>How soon to look again when the target node is not known yet (the pod event usually comes first).</summary>
    public static readonly TimeSpan TargetUnknownRetry = TimeSpan.FromMilliseconds(500);

    public static SwitchoverAction Decide(MigrationObservation o)
    {
        ArgumentNullException.ThrowIfNull(o);
        if (!o.VmiExists)
        {
            return o.Migration is { } orphan
                ? new SwitchoverAction.Reject($"VirtualMachineInstanceMigration {orphan.Name}: spec.vmiName names no existing VirtualMachineInstance")
                : new SwitchoverAction.Ignore("no VMI");
        }

        var state = o.VmiState;
        var migration = o.Migration;
        var stateIsCurrent = state is not null && migration?.Uid is { Length: > 0 } uid && state.MigrationUid == uid;
        if (migration is null)
        {
            return o.PortsBoundToTwoChassis ? Settle(state, o.VmiNodeName, "its VirtualMachineInstanceMigration is gone") : new SwitchoverAction.Ignore("no migration");
        }

        var current = stateIsCurrent ? state : null;
        var source = NonEmpty(current?.SourceNode) ?? NonEmpty(o.VmiNodeName);
        var target = NonEmpty(current?.TargetNode) ?? NonEmpty(o.TargetPodNode);
        switch (migration.Phase)
        {
            case MigrationPhases.Succeeded:
                if (current is null)
                {
                    return o.PortsBoundToTwoChassis ? Settle(state, o.VmiNodeName, "an old migration succeeded") : new SwitchoverAction.Ignore("old migration");
                }

                return target is null
                    ? new SwitchoverAction.Reject($"VirtualMachineInstanceMigration {migration.Name} succeeded but status.migrationState.targetNode is empty")
                    : new SwitchoverAction.Complete(target, "migration succeeded");
            case MigrationPhases.Failed:
                if (current is null && !o.PortsBoundToTwoChassis)
                {
                    return new SwitchoverAction.Ignore("failed before any port was bound to the target");
                }

                // Without a current state the VMI never left its node: status.nodeName is still the source.
                return source is null
                    ? new SwitchoverAction.Reject($"VirtualMachineInstanceMigration {migration.Name} failed and the VMI names no node to pin back to")
                    : new SwitchoverAction.RollBack(source, "migration failed");
        }

        if (!MigrationPhases.IsInFlight(migration.Phase))
        {
            return new SwitchoverAction.Wait($"phase {migration.Phase ?? "(none)"}: no target yet", null);
        }

        if (current is not null && (current.Failed || current.AbortStatus == "Succeeded"))
        {
            return source is null
                ? new SwitchoverAction.Reject($"migration {migration.Name} was aborted and the VMI names no source node")
                : new SwitchoverAction.RollBack(source, current.Failed ? "migration failed" : "migration aborted");
        }

        if (source is null)
        {
            return new SwitchoverAction.Reject($"VirtualMachineInstance of migration {migration.Name} has no status.nodeName (source node unknown)");
        }

        if (target is null)
        {
            return new SwitchoverAction.Wait("target pod not scheduled yet", TargetUnknownRetry);
        }

        if (source == target)
        {
            return new SwitchoverAction.Ignore($"source and target are both {source}");
        }

        if (current is { Completed: true })
        {
            if (!o.LauncherNodes.Contains(source))
            {
                return new SwitchoverAction.Complete(target, $"the VMI reports the migration completed and the source launcher on {source} is gone");
            }

            // The target domain runs; KubeVirt's Succeeded may lag. Give the RARP-driven activation its grace, then finish.
            var since = o.TargetRunningSince ?? current.EndTimestamp ?? o.Now;
            var waited = o.Now - since;
            return waited >= o.ActivationGrace
                ? new SwitchoverAction.Complete(target, $"target running for {waited.TotalMilliseconds:0} ms without Succeeded (activation fallback)")
                : new SwitchoverAction.BindBoth(source, target, o.ActivationGrace - waited);
        }

        return new SwitchoverAction.BindBoth(source, target, null);
    }

    private static SwitchoverAction Settle(VmiMigrationState? state, string? vmiNode, string why)
    {
        if (state is { Completed: true, Failed: false } && NonEmpty(state.TargetNode) is { } target && state.AbortStatus != "Succeeded")
        {
            return new SwitchoverAction.Complete(target, why + "; the VMI reports it completed");
        }

        var source = NonEmpty(state?.SourceNode) ?? NonEmpty(vmiNode);
        return source is null
            ? new SwitchoverAction.Reject(why + " and the VMI names no node to pin its ports to")
            : new SwitchoverAction.RollBack(source, why + "; pinned back to the source");
    }

    private static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
