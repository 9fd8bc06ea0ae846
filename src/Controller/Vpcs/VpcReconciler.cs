using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using VmNet.Controller.Hosting;
using VmNet.Controller.Runtime.Events;
using VmNet.Controller.Runtime.Queue;
using VmNet.Kube;
using VmNet.Kube.Models;
using VmNet.Kube.Serialization;
using VmNet.Ovn;
using VmNet.Ovsdb.Northbound;
using VmNet.Ovsdb;

namespace VmNet.Controller.Vpcs;

/// <summary>
/// Vpc → one Logical_Router of the same name owned by (Vpc, name); status (router, default,
/// defaultLogicalSwitch, subnets, conditions). Deletion waits until no Subnet uses the VPC, then removes
/// the router by ownership and the finalizer.
/// </summary>
public sealed class VpcReconciler(ControllerContext context) : IReconciler
{
    public const string ControllerName = "vpc";
    private static readonly TimeSpan InUseRetry = TimeSpan.FromSeconds(5);

    private readonly ILogger _logger = context.CreateLogger("VmNet.Controller.Vpc");

    public string Name => ControllerName;

    public static Ownership VpcOwnership(string name) => new(OwnerKinds.Vpc, name);

    public async Task<ReconcileResult> ReconcileAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            return await ReconcileCoreAsync(key, cancellationToken).ConfigureAwait(false);
        }
        catch (KubeConflictException ex)
        {
            // Our cached copy was stale; the newer version is on its way through the informer and requeues the key.
            _logger.LogDebug("vpc {Key}: stale read ({Message}); waiting for the newer version", key, ex.Message);
            return ReconcileResult.Success;
        }
    }

    private async Task<ReconcileResult> ReconcileCoreAsync(string key, CancellationToken cancellationToken)
    {
        var vpc = context.VpcInformer.Indexer.Get(null, key);
        var owned = OwnedRouters(key);
        if (vpc is null || vpc.Metadata?.DeletionTimestamp is not null)
        {
            var users = SubnetsOf(key);
            if (vpc is not null && users.Count > 0)
            {
                var message = $"vpc {key} cannot be deleted while subnets use it: {string.Join(", ", users)}";
                context.Events.Warning(vpc.ToObjectReference(), "DeleteVpcFailed", message);
                await WriteStatusAsync(vpc, users, ready: false, "DeleteVpcFailed", message, cancellationToken).ConfigureAwait(false);
                return ReconcileResult.RequeueAfter(InUseRetry);
            }

            if (owned.Count > 0)
            {
                await context.Northbound.TransactAsync(RouterOps.Delete(owned), cancellationToken).ConfigureAwait(false);
                _logger.LogInformation("vpc {Vpc}: deleted logical router", key);
            }

            if (vpc is not null)
            {
                await Finalizers.RemoveAsync(context.Kube, vpc, cancellationToken).ConfigureAwait(false);
            }

            return ReconcileResult.Success;
        }

        vpc = await Finalizers.EnsureAsync(context.Kube, vpc, cancellationToken).ConfigureAwait(false);
        var foreign = context.Northbound.Cache.FindByName(LogicalRouter.Table, key).Where(r => Ownership.FromRow(r) != VpcOwnership(key)).ToList();
        if (foreign.Count > 0 && owned.Count == 0)
        {
            var message = $"vpc {key}: Logical_Router {key} already exists in OVN Northbound and is not owned by vmnet";
            context.Events.Warning(vpc.ToObjectReference(), "CreateLogicalRouterFailed", message);
            await WriteStatusAsync(vpc, SubnetsOf(key), ready: false, "CreateLogicalRouterFailed", message, cancellationToken).ConfigureAwait(false);
            return ReconcileResult.RequeueAfter(TimeSpan.FromSeconds(30));
        }

        var ops = RouterOps.Ensure(owned, key, new Dictionary<string, string> { ["vpc"] = key }, VpcOwnership(key));
        if (ops.Count > 0)
        {
            await context.Northbound.TransactAsync(ops, cancellationToken).ConfigureAwait(false);
            _logger.LogInformation("vpc {Vpc}: logical router ensured ({Ops} ops)", key, ops.Count);
        }

        await WriteStatusAsync(vpc, SubnetsOf(key), ready: true, "ReconcileVpcSuccess", "", cancellationToken).ConfigureAwait(false);
        return ReconcileResult.Success;
    }

    private IReadOnlyList<LogicalRouter> OwnedRouters(string vpc) =>
        context.Northbound.Cache.FindOwnedBy(LogicalRouter.Table, VpcOwnership(vpc)).Select(LogicalRouter.FromRow).ToArray();

    /// <summary>Subnets (not being deleted) whose <c>spec.vpc</c> is this VPC; the default VPC also owns subnets without one.</summary>
    private List<string> SubnetsOf(string vpc) =>
        context.Subnets.List()
            .Where(s => s.Metadata?.DeletionTimestamp is null
                && (s.Spec?.Vpc == vpc || (string.IsNullOrEmpty(s.Spec?.Vpc) && vpc == context.Options.ClusterRouter && SubnetCatalog.IsOvnProvider(s.Spec?.Provider))))
            .Select(s => s.Metadata!.Name!)
            .Order(StringComparer.Ordinal)
            .ToList();

    private async Task WriteStatusAsync(V1Vpc vpc, List<string> subnets, bool ready, string reason, string message, CancellationToken cancellationToken)
    {
        var name = vpc.Metadata!.Name!;
        var before = KubeJson.Serialize(vpc.Status ?? new V1VpcStatus());
        var status = KubeJson.Deserialize<V1VpcStatus>(before) ?? new V1VpcStatus();
        var isDefault = name == context.Options.ClusterRouter;
        status.Router = name;
        status.Default = isDefault;
        status.Standby = true;
        status.DefaultLogicalSwitch = isDefault ? context.Options.DefaultSubnet : vpc.Spec?.DefaultSubnet ?? "";
        status.Subnets = subnets;
        status.Conditions = KubeOvnConditions.Set(status.Conditions, KubeOvnConditions.Ready, ready, reason, message, context.Time.GetUtcNow(), vpc.Metadata.Generation);
        var after = KubeJson.Serialize(status);
        if (after == before)
        {
            return;
        }

        try
        {
            await context.Kube.PatchStatusAsync<V1Vpc>(null, name, KubePatch.Merge(new JsonObject { ["status"] = JsonNode.Parse(after) }), cancellationToken).ConfigureAwait(false);
        }
        catch (KubeNotFoundException)
        {
            // Gone meanwhile.
        }
    }
}
