using VmNet.Controller.Pods;
using VmNet.Kube.Models;
using VmNet.KubeVirt.Migration;

namespace VmNet.Controller.Migrations;

/// <summary>Cache reads for one VMI's migrations: its VMIMs and the target launcher pods KubeVirt created for them.</summary>
public static class MigrationFinder
{
    public const string MigrationJobUidLabel = "kubevirt.io/migrationJobUID";
    public const string MigrationJobNameAnnotation = "kubevirt.io/migrationJobName";

    /// <summary>
    /// The migration the ports follow: the newest in-flight VMIM not being deleted (a new migration wins over one
    /// being finalised), else the VMIM the VMI's migration state names, else null (a deleted VMIM counts as gone).
    /// </summary>
    public static V1VirtualMachineInstanceMigration? Current(IEnumerable<V1VirtualMachineInstanceMigration> ofVmi, string? stateUid)
    {
        var live = ofVmi.Where(m => m.Metadata?.DeletionTimestamp is null).OrderByDescending(m => m.Metadata?.CreationTimestamp).ToArray();
        return live.FirstOrDefault(m => MigrationPhases.IsInFlight(m.Status?.Phase))
            ?? live.FirstOrDefault(m => !string.IsNullOrEmpty(stateUid) && m.Metadata?.Uid == stateUid)
            ?? live.FirstOrDefault(m => MigrationPhases.IsFinal(m.Status?.Phase))
            ?? live.FirstOrDefault();
    }

    /// <summary>Live migration-target launcher pods of the VM <paramref name="vmName"/> in <paramref name="ns"/>.</summary>
    public static IReadOnlyList<V1Pod> TargetPods(IEnumerable<V1Pod> pods, string ns, string vmName) =>
        pods.Where(p => p.Metadata?.Namespace == ns && p.Metadata.DeletionTimestamp is null && PodFacts.IsAlive(p)
                && PodFacts.VmOf(p) is { IsMigrationTarget: true } vm && vm.VmName == vmName)
            .ToArray();

    /// <summary>Nodes where a live, non-terminating launcher pod of the VM <paramref name="vmName"/> runs.</summary>
    public static IReadOnlySet<string> LauncherNodes(IEnumerable<V1Pod> pods, string ns, string vmName) =>
        pods.Where(p => p.Metadata?.Namespace == ns && p.Metadata.DeletionTimestamp is null && PodFacts.IsAlive(p)
                && p.Spec?.NodeName is { Length: > 0 } && PodFacts.VmOf(p) is { } vm && vm.VmName == vmName)
            .Select(p => p.Spec!.NodeName!)
            .ToHashSet(StringComparer.Ordinal);

    /// <summary>The target pod KubeVirt created for <paramref name="migration"/> (label UID, else annotation name).</summary>
    public static V1Pod? TargetPodOf(IEnumerable<V1Pod> targets, V1VirtualMachineInstanceMigration migration) =>
        targets.FirstOrDefault(p => migration.Metadata?.Uid is { Length: > 0 } uid && p.Metadata?.Labels?.GetValueOrDefault(MigrationJobUidLabel) == uid)
        ?? targets.FirstOrDefault(p => p.Metadata?.Annotations?.GetValueOrDefault(MigrationJobNameAnnotation) == migration.Metadata?.Name);

    public static VmiMigrationState? StateOf(V1VirtualMachineInstance? vmi) =>
        vmi?.Status?.MigrationState is { } s
            ? new VmiMigrationState(s.MigrationUid, s.SourceNode, s.TargetNode, s.Completed == true, s.Failed == true, s.AbortStatus, s.EndTimestamp)
            : null;
}
