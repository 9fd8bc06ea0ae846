using VmNet.Controller.Hosting;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using VmNet.Addressing;
using VmNet.Controller.Ips;
using VmNet.Controller.Runtime.Events;
using VmNet.Controller.Runtime.Informers;
using VmNet.Controller.Runtime.Queue;
using VmNet.Ipam;
using VmNet.Kube;
using VmNet.Kube.Models;
using VmNet.KubeVirt;
using VmNet.Ovsdb;

namespace VmNet.Controller.Pods;

/// <summary>
/// Gives a pod (or a VM's launcher pod) its addresses. Crash-safe order, each step idempotent:
/// IPAM (memory) → IP CR (the persisted truth, created with the address) → Logical_Switch_Port (insert +
/// attach in one transaction) → pod annotations (one merge patch, <c>routed</c> included once the pod is
/// bound). A crash before the IP CR loses only memory; after it, the rebuild at start re-registers the address.
/// A gone or finished pod is released through its IP CR (see <see cref="PodReleaser"/>).
/// </summary>
public sealed class PodAddressingReconciler(AddressingContext context) : IReconciler
{
    public string Name => "pod-addressing";

    public const string AcquireFailedReason = "AcquireAddressFailed";

    private readonly PodAddressResolver _resolver = new(context);
    private readonly PodReleaser _releaser = new(context);

    public async Task<ReconcileResult> ReconcileAsync(string key, CancellationToken cancellationToken)
    {
        var pod = context.Pods.Indexer.Get(key);
        if (pod is null || !PodFacts.IsAlive(pod))
        {
            var (ns, name) = ObjectKeys.Split(key);
            return await _releaser.ReleaseGonePodAsync(ns, name, cancellationToken).ConfigureAwait(false);
        }

        if (PodFacts.IsHostNetwork(pod) || VmNet.Multus.MultusAnnotations.ReplacesImplicitOvn(pod.Metadata?.Annotations))
        {
            return ReconcileResult.Success;
        }

        var facts = PodFacts.Of(pod, context.Options.KeepVmIp);
        using (await context.Locks.AcquireAsync(facts.PortName, cancellationToken).ConfigureAwait(false))
        {
            var existingIp = context.Ips.Indexer.Get(facts.PortName);
            if (existingIp is not null && IpResources.IsDeleting(existingIp))
            {
                // Its release is in progress (IP reconciler); allocate after it finished.
                return ReconcileResult.RequeueAfter(TimeSpan.FromMilliseconds(200));
            }

            var chosenSubnet = context.ChooseSubnet(pod);
            var generation = context.AddressWaiters.Generation(chosenSubnet);
            switch (_resolver.Resolve(pod, facts))
            {
                case Resolution.Rejected rejected:
                    Reject(pod, facts, rejected.Message);
                    return ReconcileResult.RequeueAfter(TimeSpan.FromMinutes(1));
                case Resolution.Exhausted exhausted:
                    Reject(pod, facts, exhausted.Message);
                    return exhausted.Subnet != chosenSubnet || !context.AddressWaiters.TryWait(exhausted.Subnet, key, generation)
                        ? ReconcileResult.RequeueAfter(context.SubnetWaitDelay)
                        : ReconcileResult.RequeueAfter(context.ExhaustedRetryDelay);
                case Resolution.Waiting waiting:
                    context.Logger.LogDebug("pod {Key} waits: {Reason}", key, waiting.Message);
                    return ReconcileResult.RequeueAfter(context.SubnetWaitDelay);
                case Resolution.MustRelease stale:
                    context.Logger.LogInformation("pod {Key}: releasing {Port} ({Reason})", key, stale.Stale.NicKey, stale.Reason);
                    await _releaser.ReleasePortAsync(stale.Stale.NicKey, existingIp, cancellationToken).ConfigureAwait(false);
                    return ReconcileResult.RequeueAfter(TimeSpan.FromMilliseconds(100));
                case Resolution.Allocated allocated:
                    try
                    {
                        return await ApplyAsync(pod, facts, allocated, existingIp, cancellationToken).ConfigureAwait(false)
                            ? ReconcileResult.Success
                            : ReconcileResult.RequeueAfter(TimeSpan.FromMilliseconds(200));
                    }
                    catch (LogicalSwitchMissingException ex)
                    {
                        // Not a failure of this pod: retry at the subnet pace, not with growing backoff.
                        context.Logger.LogDebug("pod {Key} waits: {Reason}", key, ex.Message);
                        return ReconcileResult.RequeueAfter(context.SubnetWaitDelay);
                    }
                default:
                    throw new InvalidOperationException("unknown resolution");
            }
        }
    }

    private async Task<bool> ApplyAsync(V1Pod pod, PodFacts facts, Resolution.Allocated resolved, V1IP? existingIp, CancellationToken cancellationToken)
    {
        var allocation = resolved.Allocation;
        var nodeName = pod.Spec?.NodeName;
        var recordedNode = RecordsNode(pod, facts) ? nodeName : null;
        if (resolved.Fresh || existingIp is null)
        {
            // A new allocation is always persisted through the API (not the possibly stale cache): POST, or the
            // stored CR when one of that name exists already.
            existingIp = await context.IpWriter.CreateAsync(
                IpResources.Build(allocation, facts.Namespace, facts.OwnerName, nodeName, pod.Metadata?.Uid, facts.OwnerKind), cancellationToken).ConfigureAwait(false);
            if (IpResources.IsDeleting(existingIp) || (resolved.Fresh && existingIp.Spec?.IpAddress != allocation.IpAddressAnnotation))
            {
                // A CR of that name is being released or records other addresses: it is the truth; retry once settled.
                if (resolved.Fresh)
                {
                    context.Ipam.ReleaseNic(allocation.NicKey);
                }

                return false;
            }
        }

        if (!IpResources.Matches(existingIp, allocation, facts.Namespace, facts.OwnerName, recordedNode) && !IpResources.IsDeleting(existingIp))
        {
            var node = string.IsNullOrEmpty(recordedNode) ? existingIp.Spec?.NodeName : recordedNode;
            await context.IpWriter.PatchAsync(
                facts.PortName,
                IpResources.BuildSpec(allocation, facts.Namespace, facts.OwnerName, node, pod.Metadata?.Uid),
                IpCrLabels.For(allocation.Subnet, node, IpResources.OwnerKind(existingIp) ?? facts.OwnerKind),
                cancellationToken).ConfigureAwait(false);
        }

        if (resolved.Fresh)
        {
            context.Host.Subnets.NotifyUsageChanged(allocation.Subnet);
        }

        var owner = new Ownership(facts.OwnerKind, facts.OwnerKey);
        await context.Ports.EnsureAsync(allocation, resolved.Request.PortSecurity, owner, cancellationToken).ConfigureAwait(false);

        var current = pod.Metadata?.Annotations;
        var desired = AllocationAnnotations.Build(allocation, resolved.Subnet, current, facts.Vm?.VmName, routed: !string.IsNullOrEmpty(nodeName));
        var changes = AllocationAnnotations.Diff(desired, current);
        if (changes.Count > 0)
        {
            await PatchAnnotationsAsync(pod, changes, cancellationToken).ConfigureAwait(false);
        }

        return true;
    }

    /// <summary>
    /// Whether this pod's node goes into the IP CR. While a VM migrates, its CR follows the migration target;
    /// the source launcher must not write its node back (Kube-OVN #7414).
    /// </summary>
    private bool RecordsNode(V1Pod pod, PodFacts facts)
    {
        if (facts.Vm is not { IsMigrationTarget: false } vm)
        {
            return true;
        }

        return !context.Pods.Indexer.ByIndex(VirtualMachines.VmStateReader.PodsByVmIndex, vm.OwnerKey)
            .Any(other => other.Metadata?.Name != pod.Metadata?.Name && PodFacts.IsAlive(other) && other.Metadata?.DeletionTimestamp is null
                && PodFacts.VmOf(other)?.IsMigrationTarget == true);
    }

    private async Task PatchAnnotationsAsync(V1Pod pod, Dictionary<string, string?> changes, CancellationToken cancellationToken)
    {
        var annotations = new JsonObject();
        foreach (var (key, value) in changes)
        {
            annotations[key] = value;
        }

        await context.StepHook("api:patch-pod", cancellationToken).ConfigureAwait(false);
        try
        {
            await context.Kube.PatchAsync<V1Pod>(
                pod.Metadata!.Namespace, pod.Metadata.Name!, KubePatch.Merge(new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = annotations } }), cancellationToken).ConfigureAwait(false);
        }
        catch (KubeNotFoundException)
        {
            // Deleted meanwhile: the delete event releases what was allocated.
        }
    }

    private void Reject(V1Pod pod, PodFacts facts, string message)
    {
        context.Logger.LogWarning("pod {Ns}/{Name}: {Message}", facts.Namespace, facts.Name, message);
        context.Events.Warning(pod.ToObjectReference(), AcquireFailedReason, message);
        if (facts.Vm is { } vm)
        {
            context.Events.Warning(
                new V1ObjectReference { ApiVersion = $"{VmPodIdentity.KubeVirtGroup}/v1", Kind = VmPodIdentity.VirtualMachineKind, Namespace = vm.Namespace, Name = vm.VmName },
                AcquireFailedReason,
                message);
        }
    }
}
