using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using VmNet.Controller.Hosting;
using VmNet.Controller.Runtime.Events;
using VmNet.Controller.Runtime.Informers;
using VmNet.Controller.Runtime.Queue;
using VmNet.Controller.VirtualMachines;
using VmNet.Ipam;
using VmNet.Addressing;
using VmNet.Kube;
using VmNet.Kube.Models;
using VmNet.KubeVirt;
using VmNet.KubeVirt.Migration;

namespace VmNet.Controller.Migrations;

/// <summary>
/// Live-migration port switchover (facts §5.4), keyed by VMI (<c>ns/name</c>): reads the VMI, its VMIMs and
/// target launcher pods from the caches, lets <see cref="SwitchoverPlanner"/> decide, and writes every NIC's
/// <c>requested-chassis</c>/<c>activation-strategy</c> in one Northbound transaction. On completion the IP CR's
/// nodeName follows the VM. Bad input (a VMIM for no VMI, a target pod for no VM or with no VMIM yet) only
/// raises events: no port or address is touched.
/// </summary>
public sealed class MigrationReconciler(ControllerContext context, KubeVirtInformerSet kubeVirt, MigrationPorts ports, TimeSpan activationGrace) : IReconciler
{
    public const string PortsBoundReason = "MigrationPortsBound";
    public const string SwitchedOverReason = "MigrationSwitchedOver";
    public const string RolledBackReason = "MigrationRolledBack";
    public const string RejectedReason = "MigrationRejected";
    public const string TargetWithoutVmReason = "MigrationTargetWithoutVm";
    public const string TargetWithoutVmimReason = "MigrationTargetWithoutVmim";

    private const int MaxRemembered = 4096;
    private static readonly TimeSpan RejectRetry = TimeSpan.FromSeconds(5);

    private readonly ILogger _logger = context.CreateLogger("VmNet.Controller.Migrations");
    private readonly ConcurrentDictionary<string, DateTimeOffset> _targetRunningSince = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _reported = new(StringComparer.Ordinal);

    public string Name => "vm-migration";

    public async Task<ReconcileResult> ReconcileAsync(string key, CancellationToken cancellationToken)
    {
        var (ns, vmName) = ObjectKeys.Split(key);
        var vmi = kubeVirt.VirtualMachineInstances.Indexer.Get(ns, vmName);
        var migrations = kubeVirt.Migrations.Indexer.List().Where(m => m.Metadata?.Namespace == ns && m.Spec?.VmiName == vmName).ToArray();
        // The VM's own launchers when the addressing module indexed pods by VM, else every pod (filtered below).
        var index = context.PodInformer.Indexer;
        var pods = index.HasIndex(VmStateReader.PodsByVmIndex) ? index.ByIndex(VmStateReader.PodsByVmIndex, key) : index.List();
        var targets = MigrationFinder.TargetPods(pods, ns, vmName);
        var state = MigrationFinder.StateOf(vmi);
        var current = MigrationFinder.Current(migrations, state?.MigrationUid);

        if (vmi is null)
        {
            foreach (var pod in targets)
            {
                Report(pod.ToObjectReference(), pod.Metadata?.Uid, TargetWithoutVmReason,
                    $"migration target pod {ns}/{pod.Metadata?.Name}: VirtualMachineInstance {ns}/{vmName} does not exist; no port is bound to it");
            }
        }
        else
        {
            // A finished migration's target keeps its annotation as the VM's launcher: only a pod away from the VM counts.
            foreach (var pod in targets.Where(p => p.Spec?.NodeName != vmi.Status?.NodeName
                && !migrations.Any(m => m.Metadata?.Name == p.Metadata?.Annotations?.GetValueOrDefault(MigrationFinder.MigrationJobNameAnnotation))))
            {
                Report(pod.ToObjectReference(), pod.Metadata?.Uid, TargetWithoutVmimReason,
                    $"migration target pod {ns}/{pod.Metadata?.Name}: VirtualMachineInstanceMigration {pod.Metadata?.Annotations?.GetValueOrDefault(MigrationFinder.MigrationJobNameAnnotation)} does not exist (yet); ports stay on {vmi.Status?.NodeName}");
            }
        }

        var uid = current?.Metadata?.Uid;
        var targetPod = current is null ? null : MigrationFinder.TargetPodOf(targets, current);
        var observation = new MigrationObservation
        {
            Migration = current is null ? null : new MigrationView(current.Metadata?.Name ?? string.Empty, uid, current.Status?.Phase),
            PortsBoundToTwoChassis = ports.AnyRequestsTwoChassis(PortNames.OwnerKey(ns, vmName)),
            VmiExists = vmi is not null,
            VmiNodeName = vmi?.Status?.NodeName,
            VmiState = state,
            TargetPodNode = targetPod?.Spec?.NodeName,
            LauncherNodes = MigrationFinder.LauncherNodes(pods, ns, vmName),
            TargetRunningSince = TargetRunningSince(uid, state),
            Now = context.Time.GetUtcNow(),
            ActivationGrace = activationGrace,
        };
        var action = SwitchoverPlanner.Decide(observation);
        switch (action)
        {
            case SwitchoverAction.Ignore ignore:
                _logger.LogDebug("VMI {Key}: {Reason}", key, ignore.Reason);
                return ReconcileResult.Success;
            case SwitchoverAction.Wait wait:
                _logger.LogDebug("VMI {Key}: waiting: {Reason}", key, wait.Reason);
                return wait.RetryAfter is { } retry ? ReconcileResult.RequeueAfter(retry) : ReconcileResult.Success;
            case SwitchoverAction.Reject reject:
                var involved = current?.ToObjectReference() ?? vmi?.ToObjectReference();
                if (involved is not null)
                {
                    Report(involved, (current?.Metadata?.Uid ?? vmi?.Metadata?.Uid) + reject.Reason, RejectedReason, reject.Reason);
                }

                _logger.LogWarning("VMI {Key}: {Reason}", key, reject.Reason);
                return ReconcileResult.RequeueAfter(RejectRetry);
        }

        var changed = await ports.ApplyAsync(PortNames.OwnerKey(ns, vmName), action, cancellationToken).ConfigureAwait(false);
        var node = action switch
        {
            SwitchoverAction.Complete complete => complete.Target,
            SwitchoverAction.RollBack back => back.Source,
            _ => null,
        };
        if (node is not null)
        {
            _targetRunningSince.TryRemove(uid ?? string.Empty, out _);
            await RecordNodeAsync(ns, vmName, node, cancellationToken).ConfigureAwait(false);
        }

        if (changed > 0)
        {
            var (reason, message) = action switch
            {
                SwitchoverAction.BindBoth both => (PortsBoundReason, $"{changed} port(s) bound on {both.Source} and {both.Target} (target activated by RARP)"),
                SwitchoverAction.Complete complete => (SwitchedOverReason, $"{changed} port(s) moved to {complete.Target}: {complete.Why}"),
                SwitchoverAction.RollBack back => (RolledBackReason, $"{changed} port(s) pinned back to {back.Source}: {back.Why}"),
                _ => (string.Empty, string.Empty),
            };
            _logger.LogInformation("VMI {Key}: {Message}", key, message);
            if (vmi is not null)
            {
                context.Events.Normal(vmi.ToObjectReference(), reason, message);
            }
        }

        return action is SwitchoverAction.BindBoth { RecheckAfter: { } recheck } ? ReconcileResult.RequeueAfter(recheck) : ReconcileResult.Success;
    }

    /// <summary>When the VMI first reported the current migration's target running (the fallback's clock).</summary>
    private DateTimeOffset? TargetRunningSince(string? uid, VmiMigrationState? state)
    {
        if (string.IsNullOrEmpty(uid) || state is not { Completed: true } || state.MigrationUid != uid)
        {
            return null;
        }

        return _targetRunningSince.GetOrAdd(uid, _ => context.Time.GetUtcNow());
    }

    /// <summary>The IP CR records the node the VM now runs on; its addresses are never changed here.</summary>
    private async Task RecordNodeAsync(string ns, string vmName, string node, CancellationToken cancellationToken)
    {
        var name = PortNames.PortName(vmName, ns, AnnotationKeys.DefaultProvider);
        var ip = context.IpInformer.Indexer.Get(name);
        if (ip?.Spec is null || ip.Metadata?.DeletionTimestamp is not null || ip.Spec.NodeName == node)
        {
            return;
        }

        var patch = new JsonObject
        {
            ["metadata"] = new JsonObject { ["labels"] = new JsonObject { [IpCrLabels.NodeName] = node } },
            ["spec"] = new JsonObject { ["nodeName"] = node },
        };
        try
        {
            await context.Kube.PatchAsync<V1IP>(null, name, KubePatch.Merge(patch), cancellationToken).ConfigureAwait(false);
        }
        catch (KubeNotFoundException)
        {
            // Released meanwhile (VM deleted): nothing to record.
        }
    }

    /// <summary>One event per object and reason: reconciles repeat, the event stream should not.</summary>
    private void Report(V1ObjectReference involved, string? identity, string reason, string message)
    {
        if (_reported.Count > MaxRemembered)
        {
            // Bounded memory: forgetting only means a repeated warning for an object still in trouble.
            _reported.Clear();
        }

        if (_reported.TryAdd($"{identity}/{reason}", 0))
        {
            context.Events.Warning(involved, reason, message);
        }
    }
}
