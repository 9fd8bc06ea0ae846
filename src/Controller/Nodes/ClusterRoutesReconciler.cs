using Microsoft.Extensions.Logging;
using VmNet.Controller.Hosting;
using VmNet.Controller.Runtime.Queue;
using VmNet.Ipam;
using VmNet.Ovsdb;
using VmNet.Ovsdb.Northbound;

namespace VmNet.Controller.Nodes;

/// <summary>
/// The default VPC's subnet-wide routing on the cluster router (facts §9.3), in one transaction per change:
/// a priority-31000 <c>ip4.dst == &lt;cidr&gt; allow</c> policy per family of every admitted default-VPC overlay
/// Subnet (join included), so traffic between subnets is never rerouted to a node, and the default route of
/// each join family (<c>0.0.0.0/0</c> / <c>::/0</c> via the join gateway), which lets the 29000 gateway
/// policies see traffic leaving the cluster. Key: the router name. Rows are owned by
/// <see cref="OwnerKinds.SubnetRoute"/> (per subnet) and <see cref="OwnerKinds.JoinGatewayRoute"/>; whatever
/// those owners hold that is no longer wanted is removed, so a deleted Subnet loses its policy.
/// </summary>
public sealed class ClusterRoutesReconciler(ControllerContext context) : IReconciler
{
    public const long SubnetAllowPriority = 31000;

    private readonly ILogger _logger = context.CreateLogger("VmNet.Controller.Nodes.Routes");

    public string Name => "cluster-routes";

    public async Task<ReconcileResult> ReconcileAsync(string key, CancellationToken cancellationToken)
    {
        var cache = context.Northbound.Cache;
        var router = cache.FindOwnedBy<LogicalRouter>(new Ownership(OwnerKinds.Vpc, key)).FirstOrDefault();
        if (router is null)
        {
            // The VPC reconciler makes the router; its appearance in the cache requeues this key.
            return ReconcileResult.Success;
        }

        var policies = new List<DesiredPolicy>();
        foreach (var subnet in DefaultVpcSubnets(key))
        {
            foreach (var family in subnet.Families)
            {
                policies.Add(new DesiredPolicy(
                    SubnetAllowPriority,
                    $"{MatchPrefix(family.Family)}.dst == {family.Cidr}",
                    LogicalRouterPolicy.ActionValues.Allow,
                    [],
                    new Ownership(OwnerKinds.SubnetRoute, subnet.Name),
                    new Dictionary<string, string>(StringComparer.Ordinal) { ["subnet"] = subnet.Name }));
            }
        }

        var routes = new List<DesiredRoute>();
        if (key == context.Options.ClusterRouter && context.Ipam.FindSubnet(context.Options.NodeSwitch) is { } join)
        {
            foreach (var family in join.Definition.Families)
            {
                routes.Add(new DesiredRoute(
                    family.Family == IpFamily.V4 ? "0.0.0.0/0" : "::/0",
                    family.Gateway.ToString(),
                    new Ownership(OwnerKinds.JoinGatewayRoute, key),
                    new Dictionary<string, string>(StringComparer.Ordinal)));
            }
        }

        var ownedPolicies = cache.FindOwnedByKind(LogicalRouterPolicy.Table, OwnerKinds.SubnetRoute).Where(r => router.Policies.Contains(r.Uuid));
        var ownedRoutes = cache.FindOwnedBy(LogicalRouterStaticRoute.Table, new Ownership(OwnerKinds.JoinGatewayRoute, key));
        var ops = RouterRows.SyncPolicies(cache, router.Uuid, ownedPolicies, policies);
        ops.AddRange(RouterRows.SyncRoutes(cache, router.Uuid, ownedRoutes, routes));
        if (ops.Count > 0)
        {
            await context.Northbound.TransactAsync(ops, cancellationToken).ConfigureAwait(false);
            _logger.LogInformation("router {Router}: {Policies} subnet allow policies, {Routes} join gateway routes", key, policies.Count, routes.Count);
        }

        return ReconcileResult.Success;
    }

    /// <summary>"ip4" or "ip6", as OVN matches spell the family.</summary>
    public static string MatchPrefix(IpFamily family) => family == IpFamily.V4 ? "ip4" : "ip6";

    /// <summary>
    /// Overlay Subnets of the router's VPC that IPAM admitted and whose switch exists, not being deleted.
    /// Kube-OVN routes these through the cluster router; underlay (VLAN) subnets use the physical gateway.
    /// </summary>
    private IEnumerable<SubnetDefinition> DefaultVpcSubnets(string router)
    {
        if (router != context.Options.ClusterRouter)
        {
            yield break;
        }

        foreach (var subnet in context.Subnets.List())
        {
            var name = subnet.Metadata?.Name;
            var vpc = string.IsNullOrEmpty(subnet.Spec?.Vpc) ? context.Options.ClusterRouter : subnet.Spec.Vpc;
            if (name is null || subnet.Metadata!.DeletionTimestamp is not null || vpc != router
                || !string.IsNullOrEmpty(subnet.Spec?.Vlan) || !SubnetCatalog.IsOvnProvider(subnet.Spec?.Provider)
                || !context.Subnets.IsReady(name) || context.Ipam.FindSubnet(name) is not { } ipam)
            {
                continue;
            }

            yield return ipam.Definition;
        }
    }
}
