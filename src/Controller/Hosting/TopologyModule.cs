using Microsoft.Extensions.Logging;
using VmNet.Controller.Runtime.Informers;
using VmNet.Controller.Subnets;
using VmNet.Controller.Vpcs;
using VmNet.Kube.Models;
using VmNet.Ovsdb.Northbound;
using VmNet.Ovsdb;

namespace VmNet.Controller.Hosting;

/// <summary>
/// The OVN topology: Vpc → Logical_Router, Subnet → Logical_Switch + router port pair, subnet admission
/// into IPAM (run at startup before the IPAM rebuild), usage status, and Northbound garbage collection.
/// </summary>
public sealed class TopologyModule : IControllerModule
{
    private SubnetAdmission? _admission;
    private NorthboundGarbageCollector? _gc;

    public int Order => StartupOrder.SubnetsInIpam;

    public void Register(ControllerContext context, ControllerRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(registry);
        _admission = new SubnetAdmission(context.Ipam);
        _gc = new NorthboundGarbageCollector(context, _admission);

        var vpcs = registry.Add(new VpcReconciler(context));
        var subnetReconciler = new SubnetReconciler(context, _admission, vpcs.Enqueue);
        var subnets = registry.Add(subnetReconciler);
        subnetReconciler.Requeue = subnets.Enqueue;
        var usage = registry.Add(new SubnetUsageReconciler(context), workers: 1);

        vpcs.Watch(context.VpcInformer, ResourceController.OwnKey(context.VpcInformer), SpecOrLifecycleChanged);
        vpcs.Watch(context.SubnetInformer, s => [VpcOf(context, s)], SpecOrLifecycleChanged);
        subnets.Watch(context.SubnetInformer, ResourceController.OwnKey(context.SubnetInformer), SpecOrLifecycleChanged);
        subnets.Watch(context.VpcInformer, v => SubnetsOfVpc(context, v.Metadata!.Name!), SpecOrLifecycleChanged);

        context.Subnets.OnUsageChanged(name => usage.EnqueueAfter(name, context.Options.SubnetStatusInterval));
        context.IpInformer.AddEventHandler(ResourceEventHandler<V1IP>.ForKeys(ip =>
        {
            foreach (var name in SubnetsOfIp(ip))
            {
                usage.EnqueueAfter(name, context.Options.SubnetStatusInterval);
            }
        }));

        // Someone deleting or editing our rows in OVN directly: reconcile the owner back.
        // A new router also releases the subnets that were waiting for it.
        context.Northbound.Cache.Subscribe(change => RequeueOwner(context, change, subnets, vpcs));
        registry.AddBackground("northbound-gc", _gc.RunPeriodicAsync);
    }

    public async Task InitializeAsync(ControllerContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var logger = context.CreateLogger("VmNet.Controller.Topology");
        var northbound = new SubnetNorthbound(context);
        var admitted = 0;
        // Subnets the previous leader accepted keep their space first (creation times have one-second
        // granularity, so they alone cannot tell which of two overlapping subnets won).
        foreach (var subnet in context.Subnets.List()
            .Where(s => s.Metadata?.DeletionTimestamp is null)
            .OrderBy(s => KubeOvnConditions.IsTrue(s.Status?.Conditions, KubeOvnConditions.Validated) ? 0 : 1)
            .ThenBy(s => s.Metadata!.CreationTimestamp ?? DateTimeOffset.MaxValue)
            .ThenBy(s => s.Metadata!.Name, StringComparer.Ordinal))
        {
            try
            {
                var validated = SubnetValidator.Validate(subnet, context.Options, vpc => context.VpcInformer.Indexer.Get(null, vpc) is not null);
                _admission!.Admit(validated, northbound.RouterPortMac(validated.Name));
                admitted++;
            }
            catch (Exception ex) when (ex is SubnetValidationException or SubnetOverlapException)
            {
                // The subnet reconciler reports it as a condition and event.
                logger.LogWarning("subnet {Subnet} not registered in IPAM: {Reason}", subnet.Metadata!.Name, ex.Message);
            }
        }

        logger.LogInformation("registered {Count} subnets in IPAM", admitted);
        await _gc!.CollectAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Spec, deletion or finalizer changes matter; status-only writes (our own) do not.</summary>
    internal static bool SpecOrLifecycleChanged<T>(T old, T current)
        where T : VmNet.Kube.IKubeObject =>
        old.Metadata?.Generation != current.Metadata?.Generation
        || old.Metadata?.DeletionTimestamp != current.Metadata?.DeletionTimestamp
        || !(old.Metadata?.Finalizers ?? []).SequenceEqual(current.Metadata?.Finalizers ?? [])
        || old.Metadata?.ResourceVersion == current.Metadata?.ResourceVersion;

    private static string VpcOf(ControllerContext context, V1Subnet subnet) =>
        string.IsNullOrEmpty(subnet.Spec?.Vpc) ? context.Options.ClusterRouter : subnet.Spec.Vpc;

    private static IEnumerable<string> SubnetsOfVpc(ControllerContext context, string vpc) =>
        context.Subnets.List().Where(s => VpcOf(context, s) == vpc).Select(s => s.Metadata!.Name!);

    private static IEnumerable<string> SubnetsOfIp(V1IP ip)
    {
        if (ip.Spec?.Subnet is { Length: > 0 } subnet)
        {
            yield return subnet;
        }

        foreach (var attached in ip.Spec?.AttachSubnets ?? [])
        {
            yield return attached;
        }
    }

    private static void RequeueOwner(ControllerContext context, VmNet.Ovsdb.Cache.RowChange change, ResourceController subnets, ResourceController vpcs)
    {
        var row = change.Old ?? change.New;
        if (row is null || Ownership.FromRow(row) is not { } owner)
        {
            return;
        }

        if (owner.Kind == OwnerKinds.Subnet && row.Table.Name is LogicalSwitch.Table or LogicalRouterPort.Table or LogicalSwitchPort.Table or Acl.Table)
        {
            subnets.Enqueue(owner.Key);
        }
        else if (owner.Kind == OwnerKinds.Vpc && row.Table.Name == LogicalRouter.Table)
        {
            vpcs.Enqueue(owner.Key);
            if (change.Old is null)
            {
                foreach (var subnet in SubnetsOfVpc(context, owner.Key))
                {
                    subnets.Enqueue(subnet);
                }
            }
        }
    }
}
