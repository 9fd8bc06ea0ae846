using Microsoft.Extensions.Logging;
using VmNet.Addressing;
using VmNet.Controller.Attachments;
using VmNet.Controller.Hosting;
using VmNet.Controller.Runtime.Informers;
using VmNet.Ipam;
using VmNet.Kube.Models;
using VmNet.Ovsdb;
using VmNet.Ovsdb.Cache;
using VmNet.Ovsdb.Northbound;

namespace VmNet.Controller.Nodes;

/// <summary>
/// Node networking (facts §2.4, §9.3): each Node's join address, port and reroute policy
/// (<see cref="NodeJoinReconciler"/>), the cluster router's subnet allow policies and join default routes
/// (<see cref="ClusterRoutesReconciler"/>), and the distributed gateway's per-node port groups and policies
/// (<see cref="DistributedGatewayReconciler"/>). Runs after the IPAM rebuild: node IP CRs are registered by it like
/// every other CR; nodes whose join address only their annotations record are registered here, before any
/// worker allocates, so no pod or node can be handed such an address.
/// </summary>
public sealed class NodesModule : IControllerModule
{
    public int Order => StartupOrder.AfterIpam;

    /// <summary>Set by <see cref="Register"/>.</summary>
    public ResourceController? NodeController { get; private set; }

    public ResourceController? RoutesController { get; private set; }

    public ResourceController? GatewayController { get; private set; }

    /// <summary>Null when the controller has no Southbound connection (<see cref="ControllerOptions.SouthboundAddress"/>).</summary>
    public ResourceController? ChassisController { get; private set; }

    public void Register(ControllerContext context, ControllerRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(registry);
        var addressing = AddressingContexts.For(context);
        var nodes = NodeController = registry.Add(new NodeJoinReconciler(context, addressing));
        var routes = RoutesController = registry.Add(new ClusterRoutesReconciler(context), workers: 1);
        var gateways = GatewayController = registry.Add(new DistributedGatewayReconciler(context));
        var router = context.Options.ClusterRouter;
        context.IpInformer.Indexer.AddIndexer(DistributedGatewayReconciler.IpsBySubnetIndex, DistributedGatewayReconciler.IndexBySubnet);

        nodes.Watch(context.NodeInformer, ResourceController.OwnKey(context.NodeInformer), NodeChangeMatters);
        gateways.Watch(context.NodeInformer, _ => SubnetNames(context), NodeChangeMatters);
        gateways.Watch(context.SubnetInformer, ResourceController.OwnKey(context.SubnetInformer));

        // A pod's or VM's address placed on (or moved to) a node changes that subnet's node port groups.
        context.IpInformer.AddEventHandler(new ResourceEventHandler<V1IP>
        {
            Add = (ip, _) => EnqueueSubnetOf(gateways, ip),
            Update = (_, ip) => EnqueueSubnetOf(gateways, ip),
            Delete = (ip, _) => EnqueueSubnetOf(gateways, ip),
        });

        // A deleted node IP CR (by hand, or the GC) of a live node is re-created by the node's reconcile.
        context.IpInformer.AddEventHandler(new ResourceEventHandler<V1IP>
        {
            Delete = (ip, _) =>
            {
                if (ip.Metadata?.Labels?.GetValueOrDefault(IpCrLabels.OwnerKind) == IpCrLabels.NodeOwner && ip.Spec?.NodeName is { Length: > 0 } node)
                {
                    nodes.Enqueue(node);
                }
            },
        });

        // Subnet spec and status changes (Ready follows admission and the switch) change the allow set; a
        // join subnet change also changes every node's annotations.
        context.SubnetInformer.AddEventHandler(new ResourceEventHandler<V1Subnet>
        {
            Add = (_, _) => routes.EnqueueAfter(router, TimeSpan.FromMilliseconds(50)),
            Update = (_, subnet) =>
            {
                routes.EnqueueAfter(router, TimeSpan.FromMilliseconds(50));
                if (subnet.Metadata?.Name == context.Options.NodeSwitch)
                {
                    EnqueueAll(context, nodes);
                }
            },
            Delete = (_, _) => routes.EnqueueAfter(router, TimeSpan.FromMilliseconds(50)),
        });

        context.Northbound.Cache.Subscribe(change => OnNorthboundChange(context, change, nodes, routes, gateways));

        if (context.Southbound is { } southbound)
        {
            var chassis = ChassisController = registry.Add(new NodeChassisReconciler(context, southbound, addressing.StepHook));
            chassis.Watch(context.NodeInformer, ResourceController.OwnKey(context.NodeInformer), NodeChangeMatters);

            // A chassis (re-)registering or losing its tag is tagged again, but only for a node the informer has:
            // a chassis never causes a deletion, so one registering before its Node is seen stays.
            southbound.Cache.Subscribe(
                change =>
                {
                    if (change.New is { } row && NodeChassisReconciler.LiveNodeOf(row, context.NodeInformer.Indexer.List()) is { } node)
                    {
                        chassis.EnqueueAfter(node, TimeSpan.FromMilliseconds(50));
                    }
                },
                NodeChassisReconciler.ChassisTable);
        }
    }

    public Task InitializeAsync(ControllerContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var logger = context.CreateLogger("VmNet.Controller.Nodes");
        var restored = RegisterAnnotatedJoinAddresses(context, logger);

        // Nodes deleted while no controller ran still hold rows or IP CRs: their reconcile releases them.
        var live = context.NodeInformer.Indexer.List().Select(n => n.Metadata!.Name!).ToHashSet(StringComparer.Ordinal);
        var gone = context.Northbound.Cache.FindOwnedByKind(LogicalSwitchPort.Table, OwnerKinds.Node)
            .Concat(context.Northbound.Cache.FindOwnedByKind(LogicalRouterPolicy.Table, OwnerKinds.Node))
            .Select(r => r.ExternalId(Ownership.OwnerKey)!)
            .Concat(context.IpInformer.Indexer.List()
                .Where(ip => ip.Metadata?.Labels?.GetValueOrDefault(IpCrLabels.OwnerKind) == IpCrLabels.NodeOwner)
                .Select(ip => ip.Spec?.NodeName ?? string.Empty))
            .Where(n => n.Length > 0 && !live.Contains(n))
            .ToHashSet(StringComparer.Ordinal);
        foreach (var node in live.Concat(gone))
        {
            NodeController!.Enqueue(node);
        }

        if (ChassisController is { } chassis)
        {
            // Chassis of nodes deleted while no controller ran: tagged ones, and those of nodes with leftovers.
            var goneWithChassis = NodeChassisReconciler.TaggedNodes(context.Southbound!.Cache).Where(n => !live.Contains(n)).Concat(gone).ToHashSet(StringComparer.Ordinal);
            foreach (var node in live.Concat(goneWithChassis))
            {
                chassis.Enqueue(node);
            }
        }

        RoutesController!.Enqueue(context.Options.ClusterRouter);
        foreach (var subnet in SubnetNames(context).Concat(
            context.Northbound.Cache.FindOwnedByKind(PortGroup.Table, OwnerKinds.SubnetGateway)
                .Concat(context.Northbound.Cache.FindOwnedByKind(LogicalRouterPolicy.Table, OwnerKinds.SubnetGateway))
                .Select(r => r.ExternalId(Ownership.OwnerKey)!)))
        {
            GatewayController!.Enqueue(subnet);
        }

        logger.LogInformation("nodes: {Live} live, {Gone} gone with leftovers, {Restored} join addresses kept from node annotations", live.Count, gone.Count, restored);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Registers the join address of nodes whose annotations record one but whose IP CR is missing, so the
    /// address stays theirs (their reconcile writes the CR). Runs before any worker allocates.
    /// </summary>
    private static int RegisterAnnotatedJoinAddresses(ControllerContext context, ILogger logger)
    {
        if (context.Ipam.FindSubnet(context.Options.NodeSwitch) is not { } join)
        {
            return 0;
        }

        var restored = 0;
        foreach (var node in context.NodeInformer.Indexer.List())
        {
            var name = node.Metadata!.Name!;
            var port = NodeFacts.PortName(name);
            if (context.Ipam.FindByNic(port) is not null || NodeFacts.AnnotatedJoinAddress(node, join.Name) is not { } annotated)
            {
                continue;
            }

            try
            {
                join.Allocate(new AllocationRequest(port, NodeFacts.OwnerKey(name)) { StaticIps = annotated.Ips, StaticMac = annotated.Mac });
                restored++;
            }
            catch (IpamException ex)
            {
                logger.LogWarning("node {Node}: annotated join address {Ips} not registered: {Reason}", name, string.Join(',', annotated.Ips), ex.Message);
            }
        }

        return restored;
    }

    /// <summary>Addresses, annotations (ours may be edited away) and deletion matter; heartbeats do not.</summary>
    private static bool NodeChangeMatters(V1Node old, V1Node node) =>
        old.Metadata?.DeletionTimestamp != node.Metadata?.DeletionTimestamp
        || !NodeFacts.InternalIps(old).SequenceEqual(NodeFacts.InternalIps(node))
        || !SameAnnotations(old.Metadata?.Annotations, node.Metadata?.Annotations);

    private static bool SameAnnotations(Dictionary<string, string>? a, Dictionary<string, string>? b) =>
        (a?.Count ?? 0) == (b?.Count ?? 0) && (a is null || a.All(p => b!.TryGetValue(p.Key, out var v) && v == p.Value));

    private static IEnumerable<string> SubnetNames(ControllerContext context) => context.Subnets.List().Select(s => s.Metadata!.Name!);

    private static void EnqueueSubnetOf(ResourceController gateways, V1IP ip)
    {
        if (ip.Spec?.Subnet is { Length: > 0 } subnet)
        {
            gateways.EnqueueAfter(subnet, TimeSpan.FromMilliseconds(100));
        }
    }

    private static void EnqueueAll(ControllerContext context, ResourceController nodes)
    {
        foreach (var node in context.NodeInformer.Indexer.ListKeys())
        {
            nodes.Enqueue(node);
        }
    }

    /// <summary>Our rows edited or deleted in OVN are put back; the router or join switch appearing releases waiting work.</summary>
    private static void OnNorthboundChange(ControllerContext context, RowChange change, ResourceController nodes, ResourceController routes, ResourceController gateways)
    {
        var row = change.Old ?? change.New;
        if (row is null || Ownership.FromRow(row) is not { } owner)
        {
            return;
        }

        switch (owner.Kind)
        {
            case OwnerKinds.Node:
                nodes.Enqueue(owner.Key);
                break;
            case OwnerKinds.SubnetGateway:
                gateways.EnqueueAfter(owner.Key, TimeSpan.FromMilliseconds(50));
                break;
            case IpCrLabels.PodOwner or IpCrLabels.VirtualMachineOwner when row.Table.Name == LogicalSwitchPort.Table && (change.Old is null || change.New is null):
                if (row.ExternalId(Pods.LogicalPortWriter.SwitchExternalId) is { Length: > 0 } portSubnet)
                {
                    gateways.EnqueueAfter(portSubnet, TimeSpan.FromMilliseconds(100));
                }

                break;
            case OwnerKinds.SubnetRoute or OwnerKinds.JoinGatewayRoute:
                routes.EnqueueAfter(context.Options.ClusterRouter, TimeSpan.FromMilliseconds(50));
                break;
            case OwnerKinds.Vpc when row.Table.Name == LogicalRouter.Table && owner.Key == context.Options.ClusterRouter && change.Old is null:
                routes.Enqueue(owner.Key);
                EnqueueAll(context, nodes);
                foreach (var name in SubnetNames(context))
                {
                    gateways.Enqueue(name);
                }

                break;
            case OwnerKinds.Subnet when row.Table.Name == LogicalSwitch.Table && (change.Old is null || change.New is null):
                routes.EnqueueAfter(context.Options.ClusterRouter, TimeSpan.FromMilliseconds(50));
                if (owner.Key == context.Options.NodeSwitch)
                {
                    EnqueueAll(context, nodes);
                }

                break;
        }
    }
}
