using Microsoft.Extensions.Logging;
using VmNet.Controller.Hosting;
using VmNet.Controller.Ips;
using VmNet.Controller.Runtime.Informers;
using VmNet.Controller.VirtualMachines;
using VmNet.Kube.Models;

namespace VmNet.Controller.Pods;

/// <summary>
/// Pod and VM addressing with keep-vm-ip: the pod, IP and VM controllers, the address GC, and the IPAM
/// rebuild from IP CRs and pod annotations at start (after the topology module registered the subnets,
/// before any worker allocates).
/// </summary>
public sealed class AddressingModule : IControllerModule
{
    private readonly AddressingStepHook? _stepHook;

    public AddressingModule()
    {
    }

    /// <summary>With a step hook (crash-safety tests kill the controller between writes).</summary>
    public AddressingModule(AddressingStepHook stepHook) => _stepHook = stepHook;

    public int Order => StartupOrder.IpamRebuild;

    /// <summary>Set by <see cref="Register"/>.</summary>
    public AddressingContext? Context { get; private set; }

    public AddressGarbageCollector? GarbageCollector { get; private set; }

    public ResourceController? PodController { get; private set; }

    public ResourceController? VmController { get; private set; }

    /// <summary>Outcome of the IPAM rebuild at start (null before <see cref="InitializeAsync"/>).</summary>
    public IpamRebuilder.Result? LastRebuild { get; private set; }

    public void Register(ControllerContext context, ControllerRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(registry);
        var addressing = new AddressingContext(context, _stepHook);
        Context = addressing;
        Attachments.AddressingContexts.Publish(context, addressing);
        GarbageCollector = new AddressGarbageCollector(addressing);
        var pods = PodController = registry.Add(new PodAddressingReconciler(addressing), Math.Max(context.Options.WorkerCount, 8));
        var ips = registry.Add(new IpReconciler(addressing), Math.Max(context.Options.WorkerCount, 4));
        var vms = VmController = registry.Add(new VmAddressReconciler(addressing));

        context.PodInformer.Indexer.AddIndexer(VmStateReader.PodsByVmIndex, VmStateReader.IndexPodByVm);
        pods.Watch(context.PodInformer, ResourceController.OwnKey(context.PodInformer), PodChangeMatters);
        context.PodInformer.AddEventHandler(new ResourceEventHandler<V1Pod>
        {
            Update = (_, pod) => EnqueueVmOfEndedLauncher(vms, pod),
            Delete = (pod, _) =>
            {
                if (PodFacts.VmOf(pod) is { } vm)
                {
                    vms.Enqueue(vm.OwnerKey);
                }
            },
        });
        ips.Watch(context.IpInformer, ResourceController.OwnKey(context.IpInformer));
        context.IpInformer.AddEventHandler(new ResourceEventHandler<V1IP> { Delete = (ip, _) => EnqueueOwnersOf(addressing, pods, ip) });
        context.KubeVirt.OnAvailable(set =>
        {
            addressing.VirtualMachines = set.VirtualMachines;
            addressing.VirtualMachineInstances = set.VirtualMachineInstances;
            vms.Watch(set.VirtualMachines, ResourceController.OwnKey(set.VirtualMachines));
            vms.Watch(set.VirtualMachineInstances, ResourceController.OwnKey(set.VirtualMachineInstances));
        });
        context.Subnets.OnAddressesDisplaced(displacement =>
        {
            foreach (var displaced in displacement.Displaced)
            {
                EnqueueOwner(addressing, pods, displaced.OwnerKey);
            }
        });
        // A released address (or a changed subnet) wakes the pods that found its subnet full.
        context.Subnets.OnUsageChanged(subnet => EnqueueAll(pods, addressing.AddressWaiters.Wake(subnet)));
        context.SubnetInformer.AddEventHandler(new ResourceEventHandler<V1Subnet>
        {
            Update = (_, subnet) => EnqueueAll(pods, addressing.AddressWaiters.Wake(subnet.Metadata?.Name ?? string.Empty)),
        });
        registry.AddBackground("address-gc", token => RunGcAsync(addressing, token));
        registry.AddBackground("northbound-batcher", addressing.Batcher.RunAsync);
    }

    public async Task InitializeAsync(ControllerContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        LastRebuild = await IpamRebuilder.RebuildAsync(context.Kube, context.Ipam, context.Options.KeepVmIp, context.CreateLogger("VmNet.Controller.IpamRebuild"), cancellationToken).ConfigureAwait(false);
    }

    private static bool PodChangeMatters(V1Pod old, V1Pod pod) =>
        old.Spec?.NodeName != pod.Spec?.NodeName
        || old.Status?.Phase != pod.Status?.Phase
        || old.Metadata?.DeletionTimestamp != pod.Metadata?.DeletionTimestamp
        || !SameAnnotations(old.Metadata?.Annotations, pod.Metadata?.Annotations);

    private static bool SameAnnotations(Dictionary<string, string>? a, Dictionary<string, string>? b) =>
        (a?.Count ?? 0) == (b?.Count ?? 0) && (a is null || a.All(p => b!.TryGetValue(p.Key, out var v) && v == p.Value));

    private static void EnqueueAll(ResourceController pods, IReadOnlyList<string> keys)
    {
        foreach (var key in keys)
        {
            pods.Enqueue(key);
        }
    }

    private static void EnqueueVmOfEndedLauncher(ResourceController vms, V1Pod pod)
    {
        if ((!PodFacts.IsAlive(pod) || pod.Metadata?.DeletionTimestamp is not null) && PodFacts.VmOf(pod) is { } vm)
        {
            vms.Enqueue(vm.OwnerKey);
        }
    }

    /// <summary>A deleted IP CR of a live pod/VM is re-created by its pod's reconcile (Kube-OVN does the same).</summary>
    private static void EnqueueOwnersOf(AddressingContext addressing, ResourceController pods, V1IP ip)
    {
        if (ip.Spec is { Namespace: { Length: > 0 } ns, PodName: { Length: > 0 } owner })
        {
            EnqueueOwner(addressing, pods, $"{ns}/{owner}");
        }
    }

    private static void EnqueueOwner(AddressingContext addressing, ResourceController pods, string ownerKey)
    {
        pods.Enqueue(ownerKey);
        foreach (var launcher in addressing.Pods.Indexer.ByIndex(VmStateReader.PodsByVmIndex, ownerKey))
        {
            pods.Enqueue(ObjectKeys.For(launcher.Metadata?.Namespace, launcher.Metadata?.Name ?? string.Empty));
        }
    }

    private static async Task RunGcAsync(AddressingContext addressing, CancellationToken cancellationToken)
    {
        // A pass right after start marks what died while no controller ran; the next one sweeps it.
        var gc = new AddressGarbageCollector(addressing);
        var first = true;
        while (true)
        {
            if (!first)
            {
                if (addressing.Options.GcInterval <= TimeSpan.Zero)
                {
                    return; // --gc-interval=0: no periodic passes.
                }

                await Task.Delay(addressing.Options.GcInterval, addressing.Host.Time, cancellationToken).ConfigureAwait(false);
            }

            first = false;
            try
            {
                await gc.RunPassAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                addressing.Logger.LogWarning(ex, "address GC pass failed; next pass in {Interval}", addressing.Options.GcInterval);
            }
        }
    }
}
