using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using VmNet.Controller.Hosting;
using VmNet.Controller.Ips;
using VmNet.Controller.Pods;
using VmNet.Controller.Runtime.Events;
using VmNet.Controller.Runtime.Informers;
using VmNet.Controller.Runtime.Queue;
using VmNet.Kube;
using VmNet.Kube.Models;
using VmNet.Multus;
using VmNet.Ovsdb;

namespace VmNet.Controller.Attachments;

/// <summary>
/// Multus secondary NICs of a pod or VM launcher (facts §6): per attachment its own IPAM allocation, IP CR
/// (<c>&lt;pod|vm&gt;.&lt;ns&gt;.&lt;provider&gt;</c>), Logical_Switch_Port on the attachment's subnet (not for IPAM-only
/// attachments), then one merge patch with every attachment's annotations. Bad input on any attachment is an
/// event on the pod and nothing is allocated. The primary <c>ovn</c> network stays with the pod reconciler.
/// </summary>
public sealed class AttachmentReconciler(AddressingContext context, NadLookup nads) : IReconciler
{
    public const string AttachFailedReason = "AttachNetworkFailed";

    private readonly AttachmentPreparer _preparer = new(context);
    private readonly AttachmentAllocator _allocator = new(context);
    private readonly AttachmentReleaser _releaser = new(context);

    public string Name => "pod-attachments";

    public async Task<ReconcileResult> ReconcileAsync(string key, CancellationToken cancellationToken)
    {
        var pod = context.Pods.Indexer.Get(key);
        var (ns, name) = ObjectKeys.Split(key);
        if (pod is null || !PodFacts.IsAlive(pod))
        {
            await _releaser.ReleaseGonePodAsync(ns, name, cancellationToken).ConfigureAwait(false);
            return ReconcileResult.Success;
        }

        if (PodFacts.IsHostNetwork(pod))
        {
            return ReconcileResult.Success;
        }

        var facts = PodFacts.Of(pod, context.Options.KeepVmIp);
        AttachmentPlan plan;
        try
        {
            plan = AttachmentPlanner.Plan(ns, pod.Metadata?.Annotations, nads.Find);
        }
        catch (MultusException ex)
        {
            Reject(pod, ex.Message);
            return ReconcileResult.RequeueAfter(TimeSpan.FromMinutes(1));
        }

        // Attachments dropped from the selection (hotplug unplug) lose their IP CR, port and keys.
        var removed = await _releaser.ReleaseUnselectedAsync(facts, plan, cancellationToken).ConfigureAwait(false);
        if (plan.Attachments.Count == 0)
        {
            await PatchAsync(pod, RemovalChanges(pod, removed), cancellationToken).ConfigureAwait(false);
            return ReconcileResult.Success;
        }

        switch (_preparer.Prepare(pod, facts, plan))
        {
            case AttachmentOutcome.Rejected rejected:
                Reject(pod, rejected.Message);
                return ReconcileResult.RequeueAfter(TimeSpan.FromMinutes(1));
            case AttachmentOutcome.Waiting waiting:
                context.Logger.LogDebug("pod {Key} attachments wait: {Reason}", key, waiting.Message);
                return ReconcileResult.RequeueAfter(context.SubnetWaitDelay);
            case AttachmentOutcome.Ready ready:
                return await ApplyAsync(pod, facts, plan, ready.Attachments, removed, cancellationToken).ConfigureAwait(false);
            default:
                throw new InvalidOperationException("unknown attachment outcome");
        }
    }

    private async Task<ReconcileResult> ApplyAsync(
        V1Pod pod, PodFacts facts, AttachmentPlan plan, IReadOnlyList<PreparedAttachment> prepared, IReadOnlyList<string> removed, CancellationToken cancellationToken)
    {
        var locks = new List<IDisposable>();
        try
        {
            // Sorted, so two reconciles over overlapping ports never wait on each other in opposite order.
            foreach (var port in prepared.Select(p => p.PortName).Order(StringComparer.Ordinal))
            {
                locks.Add(await context.Locks.AcquireAsync(port, cancellationToken).ConfigureAwait(false));
            }

            foreach (var p in prepared)
            {
                if (context.Ips.Indexer.Get(p.PortName) is { } ip && IpResources.IsDeleting(ip))
                {
                    return ReconcileResult.RequeueAfter(TimeSpan.FromMilliseconds(200));
                }
            }

            switch (_allocator.AllocateAll(prepared, facts))
            {
                case AttachmentAllocator.Result.Failed { Outcome: AttachmentOutcome.Rejected rejected }:
                    Reject(pod, rejected.Message);
                    return ReconcileResult.RequeueAfter(TimeSpan.FromMinutes(1));
                case AttachmentAllocator.Result.Failed:
                    return ReconcileResult.RequeueAfter(context.SubnetWaitDelay);
                case AttachmentAllocator.Result.MustRelease must:
                    foreach (var stale in must.Stale)
                    {
                        context.Logger.LogInformation("pod {Ns}/{Name}: releasing {Port} ({Reason})", facts.Namespace, facts.Name, stale.PortName, stale.Reason);
                        await _releaser.ReleasePortAsync(stale.PortName, cancellationToken).ConfigureAwait(false);
                    }

                    return ReconcileResult.RequeueAfter(TimeSpan.FromMilliseconds(100));
                case AttachmentAllocator.Result.Done done:
                    if (!await PersistAsync(pod, facts, done.Allocations, cancellationToken).ConfigureAwait(false))
                    {
                        return ReconcileResult.RequeueAfter(TimeSpan.FromMilliseconds(200));
                    }

                    var current = pod.Metadata?.Annotations;
                    var desired = AttachmentAnnotations.Build(done.Allocations, plan, current, facts.Vm?.VmName, routed: !string.IsNullOrEmpty(pod.Spec?.NodeName));
                    var changes = RemovalChanges(pod, removed);
                    foreach (var (k, v) in VmNet.Addressing.AllocationAnnotations.Diff(desired, current))
                    {
                        changes[k] = v;
                    }

                    await PatchAsync(pod, changes, cancellationToken).ConfigureAwait(false);
                    return ReconcileResult.Success;
                default:
                    throw new InvalidOperationException("unknown allocation result");
            }
        }
        finally
        {
            foreach (var held in locks)
            {
                held.Dispose();
            }
        }
    }

    /// <summary>IP CR first (the persisted truth), then the port; false when a CR of that name records something else.</summary>
    private async Task<bool> PersistAsync(V1Pod pod, PodFacts facts, IReadOnlyList<AttachmentAllocator.Allocated> allocations, CancellationToken cancellationToken)
    {
        var nodeName = pod.Spec?.NodeName;
        foreach (var allocated in allocations)
        {
            var allocation = allocated.Allocation;
            var existing = context.Ips.Indexer.Get(allocation.NicKey);
            if (allocated.Fresh || existing is null)
            {
                existing = await context.IpWriter.CreateAsync(
                    IpResources.Build(allocation, facts.Namespace, facts.OwnerName, nodeName, pod.Metadata?.Uid, facts.OwnerKind), cancellationToken).ConfigureAwait(false);
                if (IpResources.IsDeleting(existing) || (allocated.Fresh && existing.Spec?.IpAddress != allocation.IpAddressAnnotation))
                {
                    // A CR of that name is being released or records other addresses: it is the truth; retry once
                    // settled. The other allocations of this pass stay held (persisted, or reused on the retry).
                    if (allocated.Fresh)
                    {
                        context.Ipam.ReleaseNic(allocation.NicKey);
                    }

                    return false;
                }
            }

            if (!IpResources.Matches(existing, allocation, facts.Namespace, facts.OwnerName, nodeName))
            {
                var node = string.IsNullOrEmpty(nodeName) ? existing.Spec?.NodeName : nodeName;
                await context.IpWriter.PatchAsync(
                    allocation.NicKey,
                    IpResources.BuildSpec(allocation, facts.Namespace, facts.OwnerName, node, pod.Metadata?.Uid),
                    VmNet.Addressing.IpCrLabels.For(allocation.Subnet, node, IpResources.OwnerKind(existing) ?? facts.OwnerKind),
                    cancellationToken).ConfigureAwait(false);
            }

            if (allocated.Prepared.Attachment.HasPort)
            {
                await context.Ports.EnsureAsync(allocation, allocated.Prepared.Request.PortSecurity, new Ownership(facts.OwnerKind, facts.OwnerKey), cancellationToken).ConfigureAwait(false);
            }
        }

        return true;
    }

    private static Dictionary<string, string?> RemovalChanges(V1Pod pod, IReadOnlyList<string> removedProviders)
    {
        var changes = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var provider in removedProviders)
        {
            AttachmentAnnotations.RemoveAll(changes, pod.Metadata?.Annotations, provider);
        }

        return changes;
    }

    private async Task PatchAsync(V1Pod pod, Dictionary<string, string?> changes, CancellationToken cancellationToken)
    {
        if (changes.Count == 0)
        {
            return;
        }

        var annotations = new JsonObject();
        foreach (var (key, value) in changes)
        {
            annotations[key] = value;
        }

        await context.StepHook("api:patch-pod-attachments", cancellationToken).ConfigureAwait(false);
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

    private void Reject(V1Pod pod, string message)
    {
        context.Logger.LogWarning("pod {Ns}/{Name}: {Message}", pod.Metadata?.Namespace, pod.Metadata?.Name, message);
        context.Events.Warning(pod.ToObjectReference(), AttachFailedReason, message);
    }
}
