using Microsoft.Extensions.Logging;
using VmNet.Controller.Hosting;
using VmNet.Controller.Pods;
using VmNet.Controller.Runtime.Queue;
using VmNet.Kube.Models;
using VmNet.Ovsdb;
using VmNet.Ovsdb.Cache;
using VmNet.Ovsdb.Client;
using VmNet.Ovsdb.Operations;

namespace VmNet.Controller.Nodes;

/// <summary>
/// A node's Southbound Chassis (key: node name), as Kube-OVN's node handlers treat it: while the Node lives its
/// chassis (named by the node's <c>ovn.kubernetes.io/chassis</c> annotation, or registered with the node's name as
/// hostname) is tagged <c>external_ids:vendor=vmnet,node=&lt;node&gt;</c>; once the Node is gone every chassis
/// whose hostname or <c>node</c> tag names it is deleted (Kube-OVN's <c>DeleteChassisByHost</c>), with its
/// Chassis_Private in the same transaction; its Encap rows are not roots and go with it. Rows are deleted by the
/// UUID read from the cache, so a chassis that re-registers meanwhile (a new row) is never taken along. The tag
/// is what lets a controller started after the node vanished still find the chassis (see
/// <see cref="NodesModule.InitializeAsync"/>).
/// </summary>
public sealed class NodeChassisReconciler(ControllerContext context, OvsdbClient southbound, AddressingStepHook stepHook) : IReconciler
{
    public const string ChassisTable = "Chassis";
    public const string ChassisPrivateTable = "Chassis_Private";

    /// <summary>The node annotation the daemon writes with its chassis name (facts §2.4).</summary>
    public const string ChassisAnnotation = "ovn.kubernetes.io/chassis";

    /// <summary>The Chassis external_ids key naming the node, the one Kube-OVN matches on deletion.</summary>
    public const string NodeKey = "node";

    private readonly ILogger _logger = context.CreateLogger("VmNet.Controller.Nodes.Chassis");

    public string Name => "node-chassis";

    public async Task<ReconcileResult> ReconcileAsync(string nodeName, CancellationToken cancellationToken)
    {
        var node = context.NodeInformer.Indexer.Get(null, nodeName);
        if (node is null)
        {
            await DeleteChassisAsync(nodeName, cancellationToken).ConfigureAwait(false);
        }
        else if (node.Metadata?.DeletionTimestamp is null)
        {
            await TagChassisAsync(node, cancellationToken).ConfigureAwait(false);
        }

        // A Node still finalizing keeps its chassis, as in Kube-OVN (deleted on the delete event): its
        // ovn-controller may still run and would only register it again.

        return ReconcileResult.Success;
    }

    /// <summary>The chassis Kube-OVN deletes for a node: hostname equal to the node name, or tagged with it.</summary>
    public static IReadOnlyList<OvsdbRow> ChassisOf(OvsdbCache southbound, string nodeName)
    {
        ArgumentNullException.ThrowIfNull(southbound);
        return southbound.Rows(ChassisTable)
            .Where(c => c.GetOptionalString("hostname") == nodeName || c.ExternalId(NodeKey) == nodeName)
            .ToArray();
    }

    /// <summary>Node names our tags record on chassis (the ones to check at start for nodes deleted meanwhile).</summary>
    public static IEnumerable<string> TaggedNodes(OvsdbCache southbound)
    {
        ArgumentNullException.ThrowIfNull(southbound);
        return southbound.Rows(ChassisTable)
            .Where(c => c.ExternalId(Ownership.VendorKey) == VmNetInfo.Vendor && c.ExternalId(NodeKey) is { Length: > 0 })
            .Select(c => c.ExternalId(NodeKey)!);
    }

    /// <summary>The node a chassis belongs to as far as a live node tells: its tag, its annotation, its hostname.</summary>
    public static string? LiveNodeOf(OvsdbRow chassis, IEnumerable<V1Node> nodes)
    {
        ArgumentNullException.ThrowIfNull(chassis);
        var name = chassis.GetOptionalString("name");
        var hostname = chassis.GetOptionalString("hostname");
        var tagged = chassis.ExternalId(NodeKey);
        string? byHostname = null;
        foreach (var node in nodes)
        {
            var nodeName = node.Metadata?.Name;
            if (nodeName is null || node.Metadata!.DeletionTimestamp is not null)
            {
                continue;
            }

            if (nodeName == tagged || (name is { Length: > 0 } && node.Metadata.Annotations?.GetValueOrDefault(ChassisAnnotation) == name))
            {
                return nodeName;
            }

            if (nodeName == hostname)
            {
                byHostname = nodeName;
            }
        }

        return byHostname;
    }

    private async Task DeleteChassisAsync(string nodeName, CancellationToken cancellationToken)
    {
        var cache = southbound.Cache;
        var chassis = ChassisOf(cache, nodeName);
        if (chassis.Count == 0)
        {
            return;
        }

        var ids = chassis.Select(c => c.Uuid).ToHashSet();
        var names = chassis.Select(c => c.GetOptionalString("name")).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var ops = new List<OvsdbOperation>();
        ops.AddRange(ids.Select(id => Ops.Delete(ChassisTable, id)));

        // Chassis_Private is a root table: it stays unless deleted too (ovn-sbctl chassis-del removes both).
        ops.AddRange(cache.Rows(ChassisPrivateTable)
            .Where(p => p.GetOptionalString("name") is { } n && names.Contains(n) && (p.GetOptionalUuid("chassis") is not { } target || ids.Contains(target)))
            .Select(p => Ops.Delete(ChassisPrivateTable, p.Uuid)));
        await stepHook("ovsdb:sb-chassis-delete", cancellationToken).ConfigureAwait(false);
        await southbound.TransactAsync(ops, cancellationToken).ConfigureAwait(false);
        _logger.LogInformation("node {Node} gone: deleted its chassis {Chassis} and their encaps from the Southbound DB", nodeName, string.Join(", ", names));
    }

    private async Task TagChassisAsync(V1Node node, CancellationToken cancellationToken)
    {
        var nodeName = node.Metadata!.Name!;
        var annotated = node.Metadata.Annotations?.GetValueOrDefault(ChassisAnnotation);
        var tag = new Dictionary<string, string>(StringComparer.Ordinal) { [Ownership.VendorKey] = VmNetInfo.Vendor, [NodeKey] = nodeName };
        var ops = southbound.Cache.Rows(ChassisTable)
            .Where(c => (annotated is { Length: > 0 } && c.GetOptionalString("name") == annotated) || c.GetOptionalString("hostname") == nodeName)
            .Where(c => c.ExternalId(NodeKey) is null || c.ExternalId(NodeKey) == nodeName)
            .Where(c => c.ExternalId(NodeKey) != nodeName || c.ExternalId(Ownership.VendorKey) != VmNetInfo.Vendor)
            .Select(c => (OvsdbOperation)Ops.SetMapKeys(ChassisTable, c.Uuid, "external_ids", tag))
            .ToArray();
        if (ops.Length > 0)
        {
            await stepHook("ovsdb:sb-chassis-tag", cancellationToken).ConfigureAwait(false);
            await southbound.TransactAsync(ops, cancellationToken).ConfigureAwait(false);
            _logger.LogInformation("node {Node}: tagged {Count} chassis with node={Node}", nodeName, ops.Length, nodeName);
        }
    }
}
