using VmNet.Controller.Hosting;
using VmNet.Controller.Pods;
using VmNet.Controller.Runtime.Informers;
using VmNet.Dpdk;
using VmNet.Kube.Models;
using VmNet.KubeVirt.Migration;

namespace VmNet.Controller.Migrations;

/// <summary>
/// KubeVirt live migration (facts §5.4): once KubeVirt is discovered, a VMI-keyed reconciler follows VMIMs, the
/// VMI's migration state and migration-target launcher pods. The target pod's own event queues the VMI, so both
/// chassis are requested as soon as the target is scheduled (before its CNI ADD waits for ovn-installed).
/// </summary>
public sealed class MigrationModule : IControllerModule
{
    /// <summary>Default time the RARP-driven activation gets before the controller completes the switchover.</summary>
    public static readonly TimeSpan DefaultActivationGrace = TimeSpan.FromSeconds(2);

    private readonly TimeSpan _activationGrace;
    private readonly Func<PortActivationFacts, bool> _activationPolicy;

    public MigrationModule()
        : this(DefaultActivationGrace, ActivationStrategyPolicy.Default)
    {
    }

    /// <param name="activationGrace">How long after the target runs the controller waits for RARP activation.</param>
    /// <param name="activationPolicy">Whether a port is gated by <c>activation-strategy=rarp</c> (vhost-user rule plugs in here).</param>
    public MigrationModule(TimeSpan activationGrace, Func<PortActivationFacts, bool> activationPolicy)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(activationGrace, TimeSpan.Zero);
        _activationGrace = activationGrace;
        _activationPolicy = activationPolicy ?? throw new ArgumentNullException(nameof(activationPolicy));
    }

    public int Order => StartupOrder.AfterIpam;

    /// <summary>Set once KubeVirt is discovered.</summary>
    public ResourceController? Controller { get; private set; }

    public void Register(ControllerContext context, ControllerRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(registry);
        var vhostUser = new VhostUserPortDetector(
            subnet => context.SubnetInformer.Indexer.Get(subnet)?.Spec?.Provider,
            (ns, name) => context.NadInformer.Indexer.Get(ns, name)?.Spec?.Config);
        var ports = new MigrationPorts(context.Northbound, _activationPolicy, vhostUser.IsVhostUser);
        var pending = new TaskCompletionSource<KubeVirtInformerSet>(TaskCreationOptions.RunContinuationsAsynchronously);
        var controller = Controller = registry.Add(new DeferredMigrationReconciler(context, pending.Task, ports, _activationGrace));
        context.PodInformer.AddEventHandler(new ResourceEventHandler<V1Pod>
        {
            Add = (pod, _) => EnqueueVmOfTarget(controller, pod),
            Update = (_, pod) => EnqueueVmOfTarget(controller, pod),
            Delete = (pod, _) => EnqueueVmOfTarget(controller, pod),
        });
        context.KubeVirt.OnAvailable(set =>
        {
            pending.TrySetResult(set);
            controller.Watch(set.Migrations, m => m.Metadata?.Namespace is { } ns && m.Spec?.VmiName is { Length: > 0 } vmi ? [$"{ns}/{vmi}"] : []);
            controller.Watch(set.VirtualMachineInstances, ResourceController.OwnKey(set.VirtualMachineInstances), MigrationStateChanged);
        });
    }

    public Task InitializeAsync(ControllerContext context, CancellationToken cancellationToken) => Task.CompletedTask;

    private static bool MigrationStateChanged(V1VirtualMachineInstance old, V1VirtualMachineInstance vmi)
    {
        var a = old.Status?.MigrationState;
        var b = vmi.Status?.MigrationState;
        return old.Status?.NodeName != vmi.Status?.NodeName
            || a?.MigrationUid != b?.MigrationUid || a?.SourceNode != b?.SourceNode || a?.TargetNode != b?.TargetNode
            || a?.Completed != b?.Completed || a?.Failed != b?.Failed || a?.AbortStatus != b?.AbortStatus;
    }

    private static void EnqueueVmOfTarget(ResourceController controller, V1Pod pod)
    {
        if (PodFacts.VmOf(pod) is { IsMigrationTarget: true } vm)
        {
            controller.Enqueue(vm.OwnerKey);
        }
    }
}
