using Microsoft.Extensions.Logging;
using VmNet.Addressing;
using VmNet.Controller.Hosting;
using VmNet.Controller.Ips;
using VmNet.Controller.Runtime.Queue;
using VmNet.Ipam;
using VmNet.Kube.Models;
using VmNet.Ovsdb;
using VmNet.Ovsdb.Northbound;
using VmNet.Ovsdb.Operations;

namespace VmNet.Controller.Nodes;

/// <summary>
/// Distributed gateway of a default-VPC overlay Subnet (facts §9.2, §9.3): traffic from a pod that leaves the
/// cluster goes out through the ovn0 of the pod's own node. Per node, port group <c>&lt;subnet&gt;.&lt;node&gt;</c>
/// (dashes as dots) holds the subnet's ports placed on that node, and a priority-29000 policy
/// <c>ip4.src == $&lt;group&gt;_ip4 reroute &lt;node join IP&gt;</c> per family sends their traffic to that node.
/// A port's node is its IP CR's <c>spec.nodeName</c>, which follows a migrating VM to its target, so a port
/// is in exactly one node's group. Key: the subnet name; rows are owned by (<see cref="OwnerKinds.SubnetGateway"/>,
/// subnet), so a deleted, centralized or non-default-VPC subnet loses them. Pod ports themselves are untouched.
/// </summary>
public sealed class DistributedGatewayReconciler(ControllerContext context) : IReconciler
{
    public const long GatewayPriority = 29000;
    public const string IpsBySubnetIndex = "vmnet.io/ips-by-subnet";

    private readonly ILogger _logger = context.CreateLogger("VmNet.Controller.Nodes.Gateway");

    public string Name => "distributed-gateway";

    /// <summary>Kube-OVN's port group name for a subnet's ports on a node.</summary>
    public static string PortGroupName(string subnet, string node) => $"{subnet}.{node}".Replace('-', '.');

    public static IEnumerable<string> IndexBySubnet(V1IP ip) =>
        ip.Spec?.Subnet is { Length: > 0 } subnet ? [subnet] : [];

    public async Task<ReconcileResult> ReconcileAsync(string subnetName, CancellationToken cancellationToken)
    {
        var cache = context.Northbound.Cache;
        var owner = new Ownership(OwnerKinds.SubnetGateway, subnetName);
        var router = cache.FindOwnedBy<LogicalRouter>(new Ownership(OwnerKinds.Vpc, context.Options.ClusterRouter)).FirstOrDefault();
        var families = DistributedFamilies(subnetName);
        if (router is null && families.Count > 0)
        {
            return ReconcileResult.Success; // The router's appearance requeues every subnet.
        }

        var groups = new Dictionary<string, PortGroup>(StringComparer.Ordinal);
        var policies = new List<DesiredPolicy>();
        if (families.Count > 0)
        {
            var portsByNode = PortsByNode(subnetName);
            foreach (var node in context.NodeInformer.Indexer.List())
            {
                var nodeName = node.Metadata!.Name!;
                if (node.Metadata.DeletionTimestamp is not null || context.Ipam.FindByNic(NodeFacts.PortName(nodeName)) is not { } join)
                {
                    continue;
                }

                var group = PortGroupName(subnetName, nodeName);
                var ids = new Dictionary<string, string>(StringComparer.Ordinal) { ["subnet"] = subnetName, ["node"] = nodeName };
                groups[group] = new PortGroup { Name = group, Ports = portsByNode.GetValueOrDefault(nodeName) ?? [], ExternalIds = owner.ToExternalIds(ids) };
                foreach (var family in families)
                {
                    if ((family == IpFamily.V4 ? join.V4 : join.V6) is { } nextHop)
                    {
                        var prefix = ClusterRoutesReconciler.MatchPrefix(family);
                        policies.Add(new DesiredPolicy(GatewayPriority, $"{prefix}.src == ${group}_{prefix}", LogicalRouterPolicy.ActionValues.Reroute, [nextHop.ToString()!], owner, ids));
                    }
                }
            }
        }

        var ops = SyncGroups(owner, groups);
        if (router is not null)
        {
            var owned = cache.FindOwnedBy(LogicalRouterPolicy.Table, owner).Where(r => router.Policies.Contains(r.Uuid));
            ops.AddRange(RouterRows.SyncPolicies(cache, router.Uuid, owned, policies));
        }

        if (ops.Count > 0)
        {
            await context.Northbound.TransactAsync(ops, cancellationToken).ConfigureAwait(false);
            _logger.LogDebug("subnet {Subnet}: {Groups} node port groups, {Policies} gateway policies", subnetName, groups.Count, policies.Count);
        }

        return ReconcileResult.Success;
    }

    /// <summary>Families of a ready default-VPC overlay subnet with a distributed gateway (not the join subnet); empty otherwise.</summary>
    private IReadOnlyList<IpFamily> DistributedFamilies(string name)
    {
        var subnet = context.Subnets.Get(name);
        if (subnet is null || subnet.Metadata?.DeletionTimestamp is not null || name == context.Options.NodeSwitch
            || (string.IsNullOrEmpty(subnet.Spec?.Vpc) ? context.Options.ClusterRouter : subnet.Spec.Vpc) != context.Options.ClusterRouter
            || !string.IsNullOrEmpty(subnet.Spec?.Vlan) || !SubnetCatalog.IsOvnProvider(subnet.Spec?.Provider)
            || (subnet.Spec?.GatewayType is { Length: > 0 } type && type != "distributed")
            || !context.Subnets.IsReady(name) || context.Ipam.FindSubnet(name) is not { } ipam)
        {
            return [];
        }

        return ipam.Definition.Families.Select(f => f.Family).ToArray();
    }

    /// <summary>Port uuids of the subnet's pod and VM addresses, by the node their IP CR records.</summary>
    private Dictionary<string, List<Guid>> PortsByNode(string subnet)
    {
        var cache = context.Northbound.Cache;
        var result = new Dictionary<string, List<Guid>>(StringComparer.Ordinal);
        foreach (var ip in context.IpInformer.Indexer.ByIndex(IpsBySubnetIndex, subnet))
        {
            var kind = IpResources.OwnerKind(ip);
            if (kind is not (IpCrLabels.PodOwner or IpCrLabels.VirtualMachineOwner) || IpResources.IsDeleting(ip)
                || ip.Spec?.NodeName is not { Length: > 0 } node
                || cache.FindByName(LogicalSwitchPort.Table, ip.Metadata!.Name!).FirstOrDefault() is not { } port)
            {
                continue;
            }

            if (!result.TryGetValue(node, out var ports))
            {
                result[node] = ports = [];
            }

            ports.Add(port.Uuid);
        }

        return result;
    }

    private List<OvsdbOperation> SyncGroups(Ownership owner, Dictionary<string, PortGroup> desired)
    {
        var ops = new List<OvsdbOperation>();
        foreach (var existing in context.Northbound.Cache.FindOwnedBy<PortGroup>(owner))
        {
            if (!desired.Remove(existing.Name, out var wanted))
            {
                ops.Add(Ops.Delete(PortGroup.Table, existing.Uuid));
            }
            else if (!existing.Ports.ToHashSet().SetEquals(wanted.Ports) || !SameMap(existing.ExternalIds, wanted.ExternalIds))
            {
                ops.Add(Ops.Update(wanted with { Uuid = existing.Uuid }, "ports", "external_ids"));
            }
        }

        foreach (var group in desired.Values)
        {
            ops.Add(Ops.InsertOwned(group, owner));
        }

        return ops;
    }

    private static bool SameMap(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count && a.All(p => b.TryGetValue(p.Key, out var v) && v == p.Value);
}
