using Microsoft.Extensions.Logging;
using VmNet.Controller.Hosting;
using VmNet.Controller.Runtime.Queue;
using VmNet.Ipam;
using VmNet.Kube;
using VmNet.Kube.Serialization;
using VmNet.Kube.Models;
using VmNet.Ovn;
using VmNet.Ovsdb.Errors;
using VmNet.Ovsdb.Northbound;

namespace VmNet.Controller.Subnets;

/// <summary>
/// Subnet → finalizer, validation and Kube-OVN formatting (written back), admission into IPAM (overlap
/// rejection), the switch and router port pair in one Northbound transaction, readiness for the pod
/// reconcilers, status. Deletion: not ready, Northbound rows removed by ownership, IPAM forgotten,
/// finalizer removed. Every failure becomes a condition and a Warning event naming field and value.
/// </summary>
public sealed class SubnetReconciler(ControllerContext context, SubnetAdmission admission, Action<string> enqueueVpc) : IReconciler
{
    public const string ControllerName = "subnet";
    private const string CreateFailed = "CreateLogicalSwitchFailed";
    private const string VpcNotReady = "VpcNotReady";
    private static readonly TimeSpan RouterWait = TimeSpan.FromSeconds(1);
    private static readonly MacGenerator Macs = new();

    private readonly ILogger _logger = context.CreateLogger("VmNet.Controller.Subnet");
    private readonly SubnetNorthbound _northbound = new(context);
    private readonly SubnetStatusWriter _status = new(context);

    public string Name => ControllerName;

    /// <summary>Set by the module: re-queues another subnet (used after a deletion frees address space).</summary>
    internal Action<string>? Requeue { get; set; }

    public async Task<ReconcileResult> ReconcileAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            return await ReconcileCoreAsync(key, cancellationToken).ConfigureAwait(false);
        }
        catch (KubeConflictException ex)
        {
            // Our cached copy was stale; the newer version is on its way through the informer and requeues the key.
            _logger.LogDebug("subnet {Key}: stale read ({Message}); waiting for the newer version", key, ex.Message);
            return ReconcileResult.Success;
        }
    }

    private async Task<ReconcileResult> ReconcileCoreAsync(string key, CancellationToken cancellationToken)
    {
        var subnet = context.Subnets.Get(key);
        if (subnet is null || subnet.Metadata?.DeletionTimestamp is not null)
        {
            await RemoveAsync(key, subnet, cancellationToken).ConfigureAwait(false);
            return ReconcileResult.Success;
        }

        subnet = await Finalizers.EnsureAsync(context.Kube, subnet, cancellationToken).ConfigureAwait(false);
        ValidatedSubnet validated;
        try
        {
            validated = SubnetValidator.Validate(subnet, context.Options, vpc => context.VpcInformer.Indexer.Get(null, vpc) is not null);
        }
        catch (SubnetValidationException ex)
        {
            return await RejectAsync(subnet, ex.Message, cancellationToken).ConfigureAwait(false);
        }

        IReadOnlyList<SubnetAclRule> acls;
        try
        {
            acls = SubnetAcls.Desired(key, subnet.Spec ?? new V1SubnetSpec(), validated.Definition.Families.Select(f => f.Cidr).ToArray(), context.Options.NodeSwitchCidr);
        }
        catch (SubnetValidationException ex)
        {
            return await RejectAsync(subnet, ex.Message, cancellationToken).ConfigureAwait(false);
        }

        if (await WriteFormatAsync(subnet, validated, cancellationToken).ConfigureAwait(false))
        {
            // The update event brings the formatted object back to this queue.
            return ReconcileResult.Success;
        }

        LogicalRouter? router = null;
        if (validated.IsRouted && SubnetCatalog.IsOvnProvider(validated.Provider))
        {
            if (context.VpcInformer.Indexer.Get(null, validated.Vpc) is null)
            {
                await _status.WriteErrorAsync(subnet, VpcNotReady, $"subnet {key}: spec.vpc \"{validated.Vpc}\" does not exist", cancellationToken).ConfigureAwait(false);
                return ReconcileResult.RequeueAfter(RouterWait * 5);
            }

            router = _northbound.Router(validated.Vpc);
            if (router is null)
            {
                _logger.LogDebug("subnet {Subnet}: router of vpc {Vpc} not there yet", key, validated.Vpc);
                return ReconcileResult.RequeueAfter(RouterWait);
            }
        }

        string? mac = null;
        if (router is not null)
        {
            mac = _northbound.RouterPortMac(key) ?? context.Ipam.FindSubnet(key)?.Definition.GatewayMac?.ToString() ?? NewMac(key);
        }

        try
        {
            var result = admission.Admit(validated, mac);
            if (result.Displaced.Count > 0)
            {
                _logger.LogInformation("subnet {Subnet}: CIDR change displaced {Count} NIC addresses", key, result.Displaced.Count);
                context.Subnets.PublishDisplaced(new SubnetDisplacement(key, result.Displaced));
            }
        }
        catch (Exception ex) when (ex is SubnetOverlapException or SubnetValidationException)
        {
            return await RejectAsync(subnet, ex.Message, cancellationToken).ConfigureAwait(false);
        }

        if (router is not null)
        {
            var spec = new SubnetTopologySpec(key, validated.Vpc, validated.GatewayNetworks, mac!)
            {
                SwitchExternalIds = new Dictionary<string, string> { ["vpc"] = validated.Vpc, ["provider"] = validated.Provider },
            };
            if (_northbound.ForeignConflict(spec) is { } conflict)
            {
                context.Subnets.MarkNotReady(key);
                await _status.WriteErrorAsync(subnet, CreateFailed, conflict, cancellationToken).ConfigureAwait(false);
                return ReconcileResult.RequeueAfter(TimeSpan.FromSeconds(30));
            }

            try
            {
                var ops = await _northbound.EnsureAsync(spec, router, cancellationToken).ConfigureAwait(false);
                if (ops > 0)
                {
                    _logger.LogInformation("subnet {Subnet}: Northbound switch {Switch}, ports {Lrp}/{Lsp} on {Router} ({Ops} ops)", key, key, spec.RouterPortName, spec.SwitchPortName, validated.Vpc, ops);
                }

                var aclOps = await _northbound.EnsureAclsAsync(key, acls, cancellationToken).ConfigureAwait(false);
                if (aclOps > 0)
                {
                    _logger.LogInformation("subnet {Subnet}: {Count} ACLs (private {Private}, allowSubnets {Allow})", key, acls.Count, subnet.Spec?.Private == true, string.Join(",", subnet.Spec?.AllowSubnets ?? []));
                }
            }
            catch (OvsdbException ex)
            {
                context.Subnets.MarkNotReady(key);
                await _status.WriteErrorAsync(subnet, CreateFailed, $"subnet {key}: Northbound transaction failed: {ex.Message}", cancellationToken).ConfigureAwait(false);
                return ReconcileResult.Requeue;
            }
        }
        else if (await _northbound.DeleteAsync(key, cancellationToken).ConfigureAwait(false) > 0)
        {
            // No longer an OVN subnet (e.g. provider changed to an IPAM-only attachment): its switch goes.
            _logger.LogInformation("subnet {Subnet}: provider {Provider} needs no Northbound rows; removed them", key, validated.Provider);
        }

        context.Subnets.MarkReady(key, hasSwitch: router is not null);
        await _status.WriteReadyAsync(subnet, cancellationToken).ConfigureAwait(false);
        enqueueVpc(validated.Vpc);
        return ReconcileResult.Success;
    }

    private async Task<ReconcileResult> RejectAsync(V1Subnet subnet, string message, CancellationToken cancellationToken)
    {
        var name = subnet.Metadata!.Name!;
        context.Subnets.MarkNotReady(name);
        _logger.LogWarning("subnet {Subnet} rejected: {Message}", name, message);
        await _status.WriteErrorAsync(subnet, SubnetStatusWriter.ValidateFailed, message, cancellationToken).ConfigureAwait(false);

        // Level-triggered: a fix to this subnet, or the deletion of the subnet it overlaps, re-runs it.
        return ReconcileResult.Success;
    }

    private async Task<bool> WriteFormatAsync(V1Subnet subnet, ValidatedSubnet validated, CancellationToken cancellationToken)
    {
        // Informer objects are shared: format a copy.
        var copy = KubeJson.Deserialize<V1Subnet>(KubeJson.Serialize(subnet))!;
        copy.Spec ??= new V1SubnetSpec();
        if (!SubnetValidator.ApplyFormat(copy.Spec, validated, context.Options))
        {
            return false;
        }

        await context.Kube.ReplaceAsync(copy, cancellationToken).ConfigureAwait(false);
        _logger.LogInformation("subnet {Subnet}: wrote formatted spec (cidrBlock {Cidr}, gateway {Gateway}, protocol {Protocol}, vpc {Vpc})", validated.Name, validated.CidrBlock, validated.Gateway, validated.Protocol, validated.Vpc);
        return true;
    }

    private async Task RemoveAsync(string key, V1Subnet? subnet, CancellationToken cancellationToken)
    {
        context.Subnets.MarkNotReady(key);
        var ops = await _northbound.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
        var hadIpam = admission.Remove(key);
        if (ops > 0 || hadIpam)
        {
            _logger.LogInformation("subnet {Subnet} removed: {Ops} Northbound ops, IPAM released", key, ops);
        }

        if (subnet is not null)
        {
            await Finalizers.RemoveAsync(context.Kube, subnet, cancellationToken).ConfigureAwait(false);
            if (subnet.Spec?.Vpc is { Length: > 0 } vpc)
            {
                enqueueVpc(vpc);
            }
        }

        // A subnet rejected for overlapping this one may fit now.
        foreach (var other in context.Subnets.List())
        {
            if (other.Metadata?.Name is { } name && name != key && !admission.IsAdmitted(name))
            {
                Requeue?.Invoke(name);
            }
        }
    }

    private string NewMac(string subnet) =>
        Macs.Generate(m => context.Ipam.FindSubnet(subnet)?.MacOwner(m) is not null, subnet).ToString();
}
