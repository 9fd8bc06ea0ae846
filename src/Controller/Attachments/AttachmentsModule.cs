using VmNet.Controller.Hosting;
using VmNet.Controller.Pods;
using VmNet.Controller.Runtime.Informers;
using VmNet.Kube.Models;
using VmNet.Multus;

namespace VmNet.Controller.Attachments;

/// <summary>
/// Multus secondary NICs: the pod-attachment and VM-attachment controllers, sharing the addressing module's
/// context (locks, writers). Pods are reconciled on any annotation/node/phase change and when a NAD or Subnet
/// appears or changes (a pod may be waiting for either).
/// </summary>
public sealed class AttachmentsModule : IControllerModule
{
    public int Order => StartupOrder.AfterIpam;

    public ResourceController? PodController { get; private set; }

    public void Register(ControllerContext context, ControllerRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(registry);
        var addressing = AddressingContexts.For(context);
        var nads = new NadLookup(context.NadInformer);
        var pods = PodController = registry.Add(new AttachmentReconciler(addressing, nads), Math.Max(context.Options.WorkerCount, 4));
        var vms = registry.Add(new AttachmentVmReconciler(addressing));
        context.IpInformer.Indexer.AddIndexer(AttachmentReleaser.IpsByOwnerIndex, AttachmentReleaser.IndexIpByOwner);

        pods.Watch(context.PodInformer, ResourceController.OwnKey(context.PodInformer), PodChangeMatters);
        context.NadInformer.AddEventHandler(new ResourceEventHandler<V1NetworkAttachmentDefinition>
        {
            Add = (_, _) => EnqueueSelecting(context, pods),
            Update = (_, _) => EnqueueSelecting(context, pods),
        });
        context.SubnetInformer.AddEventHandler(new ResourceEventHandler<V1Subnet>
        {
            Add = (_, _) => EnqueueSelecting(context, pods),
            Update = (old, subnet) =>
            {
                if (old.Spec?.Provider != subnet.Spec?.Provider || old.Spec?.CidrBlock != subnet.Spec?.CidrBlock)
                {
                    EnqueueSelecting(context, pods);
                }
            },
        });
        context.PodInformer.AddEventHandler(new ResourceEventHandler<V1Pod>
        {
            Delete = (pod, _) =>
            {
                if (PodFacts.VmOf(pod) is { } vm)
                {
                    vms.Enqueue(vm.OwnerKey);
                }
            },
        });
        context.KubeVirt.OnAvailable(set =>
        {
            vms.Watch(set.VirtualMachines, ResourceController.OwnKey(set.VirtualMachines));
            vms.Watch(set.VirtualMachineInstances, ResourceController.OwnKey(set.VirtualMachineInstances));
        });
    }

    public Task InitializeAsync(ControllerContext context, CancellationToken cancellationToken) => Task.CompletedTask;

    private static bool PodChangeMatters(V1Pod old, V1Pod pod) =>
        old.Spec?.NodeName != pod.Spec?.NodeName
        || old.Status?.Phase != pod.Status?.Phase
        || old.Metadata?.DeletionTimestamp != pod.Metadata?.DeletionTimestamp
        || !SameAnnotations(old.Metadata?.Annotations, pod.Metadata?.Annotations);

    private static bool SameAnnotations(Dictionary<string, string>? a, Dictionary<string, string>? b) =>
        (a?.Count ?? 0) == (b?.Count ?? 0) && (a is null || a.All(p => b!.TryGetValue(p.Key, out var v) && v == p.Value));

    /// <summary>Pods that name any NAD (cheap: only pods with a selection annotation are enqueued).</summary>
    private static void EnqueueSelecting(ControllerContext context, ResourceController pods)
    {
        foreach (var pod in context.PodInformer.Indexer.List())
        {
            var annotations = pod.Metadata?.Annotations;
            if (annotations is not null && (annotations.ContainsKey(MultusAnnotations.Networks) || annotations.ContainsKey(MultusAnnotations.DefaultNetwork)))
            {
                pods.Enqueue(ObjectKeys.For(pod.Metadata?.Namespace, pod.Metadata?.Name ?? string.Empty));
            }
        }
    }
}
