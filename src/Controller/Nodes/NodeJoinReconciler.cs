using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using VmNet.Addressing;
using VmNet.Controller.Hosting;
using VmNet.Controller.Ips;
using VmNet.Controller.Pods;
using VmNet.Controller.Runtime.Events;
using VmNet.Controller.Runtime.Queue;
using VmNet.Ipam;
using VmNet.Kube;
using VmNet.Kube.Models;
using VmNet.Ovsdb;
using VmNet.Ovsdb.Northbound;
using VmNet.Ovsdb.Operations;

namespace VmNet.Controller.Nodes;

/// <summary>
/// A node's place on the join network (facts §2.4, §9.3). Crash-safe order, each step idempotent and under the
/// port's lock shared with the IP reconciler: IPAM (memory) → IP CR <c>node-&lt;node&gt;</c> (the persisted truth,
/// created with the address) → one Northbound transaction with the join port (addresses "mac ip", no port
/// security) and the priority-30000 <c>ip4.dst == &lt;InternalIP&gt; reroute &lt;join IP&gt;</c> policy → the node's
/// join annotations (one merge patch). A node without an InternalIP, or a full join subnet, gets a Warning
/// event and nothing at all. A deleted node loses its rows, and its IP CR, whose finalizer hands the address
/// back to IPAM (<see cref="IpReconciler"/>).
/// </summary>
public sealed class NodeJoinReconciler(ControllerContext context, AddressingContext addressing) : IReconciler
{
    public const long NodeReroutePriority = 30000;
    public const string NoInternalIpReason = "NodeInternalIpMissing";
    public const string AllocationFailedReason = "AllocateJoinAddressFailed";

    private const string StaleRecord = "the IP CR's address is outside the join subnet";

    private readonly ILogger _logger = context.CreateLogger("VmNet.Controller.Nodes");

    public string Name => "node-join";

    /// <summary>Delay before retrying while the join subnet is not ready yet.</summary>
    public TimeSpan JoinWaitDelay { get; init; } = TimeSpan.FromMilliseconds(300);

    public async Task<ReconcileResult> ReconcileAsync(string nodeName, CancellationToken cancellationToken)
    {
        var node = context.NodeInformer.Indexer.Get(null, nodeName);
        if (node is null || node.Metadata?.DeletionTimestamp is not null)
        {
            await ReleaseAsync(nodeName, cancellationToken).ConfigureAwait(false);
            return ReconcileResult.Success;
        }

        var internalIps = NodeFacts.InternalIps(node);
        if (internalIps.Count == 0)
        {
            // Nothing is allocated before the node says where it is: a later status update requeues it.
            var message = $"node {nodeName}: status.addresses has no {NodeFacts.InternalIpType}; the join address (port {NodeFacts.PortName(nodeName)} on subnet {context.Options.NodeSwitch}) waits for it";
            _logger.LogWarning("{Message}", message);
            context.Events.Warning(node.ToObjectReference(), NoInternalIpReason, message);
            return ReconcileResult.Success;
        }

        var nodeSwitch = context.Options.NodeSwitch;
        var router = context.Northbound.Cache.FindOwnedBy<LogicalRouter>(new Ownership(OwnerKinds.Vpc, context.Options.ClusterRouter)).FirstOrDefault();
        if (!context.Subnets.IsReady(nodeSwitch) || context.Ipam.FindSubnet(nodeSwitch) is not { } join || router is null)
        {
            return ReconcileResult.RequeueAfter(JoinWaitDelay);
        }

        var portName = NodeFacts.PortName(nodeName);
        using (await addressing.Locks.AcquireAsync(portName, cancellationToken).ConfigureAwait(false))
        {
            var existingIp = context.IpInformer.Indexer.Get(null, portName);
            if (existingIp is not null && IpResources.IsDeleting(existingIp))
            {
                return ReconcileResult.RequeueAfter(TimeSpan.FromMilliseconds(200));
            }

            var (allocation, fresh) = Allocate(node, join, existingIp, out var failure);
            if (allocation is null && failure == StaleRecord)
            {
                _logger.LogInformation("node {Node}: IP CR {Port} records {Ip}, outside join subnet {Cidr} now: releasing it", nodeName, portName, existingIp!.Spec?.IpAddress, join.Definition.CidrBlock);
                await addressing.IpWriter.DeleteAsync(portName, cancellationToken).ConfigureAwait(false);
                return ReconcileResult.RequeueAfter(TimeSpan.FromMilliseconds(200));
            }

            if (allocation is null)
            {
                var message = $"node {nodeName}: no join address for port {portName} in subnet {nodeSwitch}: {failure}";
                _logger.LogWarning("{Message}", message);
                context.Events.Warning(node.ToObjectReference(), AllocationFailedReason, message);
                return ReconcileResult.RequeueAfter(TimeSpan.FromMinutes(1));
            }

            if (!await PersistAsync(node, allocation, fresh, existingIp, cancellationToken).ConfigureAwait(false))
            {
                return ReconcileResult.RequeueAfter(TimeSpan.FromMilliseconds(200));
            }

            var ops = NorthboundOps(nodeName, allocation, internalIps, router);
            if (ops.Count > 0)
            {
                await addressing.StepHook("ovsdb:node-join-port", cancellationToken).ConfigureAwait(false);
                await context.Northbound.TransactAsync(ops, cancellationToken).ConfigureAwait(false);
            }

            var changes = NodeFacts.Diff(NodeFacts.JoinAnnotations(nodeName, allocation, join.Definition), node.Metadata?.Annotations);
            if (changes.Count > 0)
            {
                await PatchAnnotationsAsync(nodeName, changes, cancellationToken).ConfigureAwait(false);
                _logger.LogInformation("node {Node}: join address {Ip} ({Mac}) on {Port}", nodeName, allocation.IpAddressAnnotation, allocation.Mac, portName);
            }
        }

        return ReconcileResult.Success;
    }

    /// <summary>
    /// The node's allocation: the one IPAM holds, else the IP CR's (the persisted truth), else the one its
    /// annotations record (kept when still free), else the lowest free address. Null with the reason on failure.
    /// </summary>
    private (Allocation? Allocation, bool Fresh) Allocate(V1Node node, SubnetIpam join, V1IP? existingIp, out string? failure)
    {
        failure = null;
        var nodeName = node.Metadata!.Name!;
        var portName = NodeFacts.PortName(nodeName);
        if (context.Ipam.FindByNic(portName) is { } held && held.Subnet == join.Name)
        {
            if (join.Definition.Families.All(f => (f.Family == IpFamily.V4 ? held.V4 : held.V6) is not null))
            {
                return (held, false);
            }

            // A join CIDR change took its address (the NIC keeps key and MAC): a new one, recorded by patching the CR.
            try
            {
                return (join.Allocate(new AllocationRequest(portName, held.OwnerKey)), true);
            }
            catch (IpamException ex)
            {
                failure = ex.Message;
                return (null, false);
            }
        }

        var request = new AllocationRequest(portName, NodeFacts.OwnerKey(nodeName));
        try
        {
            if (existingIp is not null && IpResources.ToRecord(existingIp) is { } record && record.Subnet == join.Name && record.Ips.Count > 0)
            {
                try
                {
                    return (join.Allocate(request with { StaticIps = record.Ips, StaticMac = record.Mac }), true);
                }
                catch (AddressOutOfRangeException) when (existingIp.Metadata?.DeletionTimestamp is null)
                {
                    // The join CIDR changed under the CR: the CR must go (its finalizer releases) before a new address.
                    failure = StaleRecord;
                    return (null, false);
                }
            }

            if (NodeFacts.AnnotatedJoinAddress(node, join.Name) is { } annotated)
            {
                try
                {
                    return (join.Allocate(request with { StaticIps = annotated.Ips, StaticMac = annotated.Mac }), true);
                }
                catch (IpamException ex)
                {
                    // Taken or out of range now: the node gets a new address (its annotations are rewritten).
                    _logger.LogWarning("node {Node}: annotated join address {Ips} not kept: {Reason}", nodeName, string.Join(',', annotated.Ips), ex.Message);
                }
            }

            return (join.Allocate(request), true);
        }
        catch (IpamException ex)
        {
            failure = ex.Message;
            return (null, false);
        }
    }

    /// <summary>Writes the IP CR (created with the address, through the API); false when a CR of that name disagrees and must settle first.</summary>
    private async Task<bool> PersistAsync(V1Node node, Allocation allocation, bool fresh, V1IP? existingIp, CancellationToken cancellationToken)
    {
        var nodeName = node.Metadata!.Name!;
        if (existingIp is null || (fresh && !IsReaddressing(existingIp, allocation)))
        {
            existingIp = await addressing.IpWriter.CreateAsync(BuildIp(node, allocation), cancellationToken).ConfigureAwait(false);
            if (IpResources.IsDeleting(existingIp) || (fresh && existingIp.Spec?.IpAddress != allocation.IpAddressAnnotation))
            {
                if (fresh)
                {
                    context.Ipam.ReleaseNic(allocation.NicKey);
                }

                return false;
            }
        }

        if (!IpResources.Matches(existingIp, allocation, string.Empty, nodeName, nodeName))
        {
            await addressing.IpWriter.PatchAsync(
                allocation.NicKey,
                IpResources.BuildSpec(allocation, string.Empty, nodeName, nodeName, null),
                IpCrLabels.For(allocation.Subnet, nodeName, IpCrLabels.NodeOwner),
                cancellationToken).ConfigureAwait(false);
        }

        if (fresh)
        {
            context.Subnets.NotifyUsageChanged(allocation.Subnet);
        }

        return true;
    }

    /// <summary>
    /// True when the CR records this NIC with an address the subnet no longer holds for it (same MAC, the address
    /// displaced by a CIDR change): the CR is patched to the new address rather than treated as another owner's.
    /// </summary>
    private bool IsReaddressing(V1IP existingIp, Allocation allocation) =>
        !IpResources.IsDeleting(existingIp)
        && existingIp.Spec?.MacAddress == allocation.Mac?.ToString()
        && AllocationRequest.SplitIpAnnotation(existingIp.Spec?.IpAddress).All(ip => !IpAddr.TryParse(ip, out var address) || context.Ipam.FindSubnet(allocation.Subnet)?.FindByIp(address).Count is null or 0);

    /// <summary>Kube-OVN's node IP CR: name <c>node-&lt;node&gt;</c>, podName = node name, owned by the Node.</summary>
    private static V1IP BuildIp(V1Node node, Allocation allocation)
    {
        var nodeName = node.Metadata!.Name!;
        var ip = IpResources.Build(allocation, string.Empty, nodeName, nodeName, null, IpCrLabels.NodeOwner);
        if (!string.IsNullOrEmpty(node.Metadata.Uid))
        {
            ip.Metadata!.OwnerReferences = [node.ToOwnerReference()];
        }

        return ip;
    }

    private List<OvsdbOperation> NorthboundOps(string nodeName, Allocation allocation, IReadOnlyList<IPAddress> internalIps, LogicalRouter router)
    {
        var cache = context.Northbound.Cache;
        var owner = new Ownership(OwnerKinds.Node, nodeName);
        var ops = new List<OvsdbOperation>();
        var desiredPort = new LogicalSwitchPort
        {
            Name = allocation.NicKey,
            Addresses = [PortAddresses.Addresses(allocation)],
            ExternalIds = owner.ToExternalIds(new Dictionary<string, string>(StringComparer.Ordinal) { [LogicalPortWriter.SwitchExternalId] = allocation.Subnet, ["node"] = nodeName }),
        };
        var joinSwitch = cache.FindOwnedBy<LogicalSwitch>(SubnetCatalog.SubnetOwnership(allocation.Subnet)).First();
        var port = cache.FindByName(LogicalSwitchPort.Table, allocation.NicKey).Select(LogicalSwitchPort.FromRow).FirstOrDefault();
        if (port is null)
        {
            ops.AddRange(VmNet.Ovsdb.Northbound.NorthboundOps.CreateLogicalSwitchPort(joinSwitch.Uuid, desiredPort, owner).Ops);
        }
        else
        {
            if (!port.Addresses.SequenceEqual(desiredPort.Addresses) || port.PortSecurity.Count > 0 || !SameMap(port.ExternalIds, desiredPort.ExternalIds))
            {
                ops.Add(Ops.Update(desiredPort with { Uuid = port.Uuid }, "addresses", "port_security", "external_ids"));
            }

            if (!joinSwitch.Ports.Contains(port.Uuid))
            {
                foreach (var holder in cache.Rows<LogicalSwitch>().Where(s => s.Ports.Contains(port.Uuid)))
                {
                    ops.Add(Ops.RemoveFromSet(LogicalSwitch.Table, holder.Uuid, "ports", port.Uuid));
                }

                ops.Add(Ops.AddToSet(LogicalSwitch.Table, joinSwitch.Uuid, "ports", port.Uuid));
            }
        }

        var policies = new List<DesiredPolicy>();
        foreach (var nodeIp in internalIps)
        {
            var family = nodeIp.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? IpFamily.V4 : IpFamily.V6;
            var joinIp = family == IpFamily.V4 ? allocation.V4 : allocation.V6;
            if (joinIp is null)
            {
                continue; // A dual-stack node on a single-stack join subnet: that family is not rerouted.
            }

            policies.Add(new DesiredPolicy(
                NodeReroutePriority,
                $"{ClusterRoutesReconciler.MatchPrefix(family)}.dst == {nodeIp}",
                LogicalRouterPolicy.ActionValues.Reroute,
                [joinIp.ToString()!],
                owner,
                new Dictionary<string, string>(StringComparer.Ordinal) { ["node"] = nodeName, ["address-family"] = family == IpFamily.V4 ? "4" : "6" }));
        }

        var ownedPolicies = cache.FindOwnedBy(LogicalRouterPolicy.Table, owner).Where(r => LogicalRouterPolicy.FromRow(r).Priority == NodeReroutePriority);
        ops.AddRange(RouterRows.SyncPolicies(cache, router.Uuid, ownedPolicies, policies));
        return ops;
    }

    /// <summary>Removes what a gone node had: its Northbound rows (one transaction), then its IP CR, whose release frees the address.</summary>
    private async Task ReleaseAsync(string nodeName, CancellationToken cancellationToken)
    {
        var portName = NodeFacts.PortName(nodeName);
        var cache = context.Northbound.Cache;
        using (await addressing.Locks.AcquireAsync(portName, cancellationToken).ConfigureAwait(false))
        {
            var owner = new Ownership(OwnerKinds.Node, nodeName);
            var ops = new List<OvsdbOperation>();
            ops.AddRange(cache.DeleteRowsOps(LogicalRouterPolicy.Table, cache.FindOwnedBy(LogicalRouterPolicy.Table, owner).Select(r => r.Uuid).ToHashSet()));
            ops.AddRange(cache.DeleteRowsOps(LogicalSwitchPort.Table, cache.FindOwnedBy(LogicalSwitchPort.Table, owner).Select(r => r.Uuid).ToHashSet()));
            if (ops.Count > 0)
            {
                await addressing.StepHook("ovsdb:node-release", cancellationToken).ConfigureAwait(false);
                await context.Northbound.TransactAsync(ops, cancellationToken).ConfigureAwait(false);
            }

            var ip = context.IpInformer.Indexer.Get(null, portName) ?? await addressing.IpWriter.GetAsync(portName, cancellationToken).ConfigureAwait(false);
            if (ip is not null)
            {
                if (IpResources.OwnerKind(ip) == IpCrLabels.NodeOwner && !IpResources.IsReserved(ip) && !IpResources.IsDeleting(ip))
                {
                    await addressing.IpWriter.DeleteAsync(portName, cancellationToken).ConfigureAwait(false);
                    _logger.LogInformation("node {Node} gone: releasing its join address {Ip}", nodeName, ip.Spec?.IpAddress);
                }

                return;
            }

            // Allocated in memory but never persisted.
            if (context.Ipam.FindByNic(portName) is { } held && held.OwnerKey == NodeFacts.OwnerKey(nodeName))
            {
                context.Ipam.ReleaseNic(portName);
                context.Subnets.NotifyUsageChanged(held.Subnet);
            }
        }
    }

    private async Task PatchAnnotationsAsync(string nodeName, Dictionary<string, string> changes, CancellationToken cancellationToken)
    {
        var annotations = new JsonObject();
        foreach (var (key, value) in changes)
        {
            annotations[key] = value;
        }

        await addressing.StepHook("api:patch-node", cancellationToken).ConfigureAwait(false);
        try
        {
            await context.Kube.PatchAsync<V1Node>(null, nodeName, KubePatch.Merge(new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = annotations } }), cancellationToken).ConfigureAwait(false);
        }
        catch (KubeNotFoundException)
        {
            // Deleted meanwhile: its delete event releases what was allocated.
        }
    }

    private static bool SameMap(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count && a.All(p => b.TryGetValue(p.Key, out var v) && v == p.Value);
}
