using Microsoft.Extensions.Logging;
using VmNet.Controller.Hosting;
using VmNet.Controller.Pods;
using VmNet.Controller.Runtime.Events;
using VmNet.Controller.Runtime.Informers;
using VmNet.Controller.Runtime.Queue;
using VmNet.Dhcp;
using VmNet.Ipam;
using VmNet.Kube;
using VmNet.Kube.Models;
using VmNet.Ovsdb;
using VmNet.Ovsdb.Northbound;

namespace VmNet.Controller.Dhcp;

/// <summary>
/// DHCP on each OVN port of a pod/VM (primary and attachments): a per-port override row from
/// <c>&lt;p&gt;.kubernetes.io/dhcp-v4-options</c>/<c>dhcp-v6-options</c> (also the underscore spellings), which enables
/// DHCP on that port even when its subnet has it off; otherwise the subnet's rows when <c>enableDHCP</c>. An
/// override removed from the pod is reverted at once (its row deleted), and override rows whose port is gone are
/// deleted when any pod goes.
/// </summary>
public sealed class PodDhcpReconciler(ControllerContext context) : IReconciler
{
    public const string DhcpFailedReason = "ConfigureDhcpFailed";

    private const string AllocatedSuffix = ".kubernetes.io/allocated";

    private readonly DhcpRowWriter _rows = new(context.Northbound);
    private readonly PortDhcpBinder _binder = new(context.Northbound);
    private readonly ILogger _logger = context.CreateLogger("VmNet.Controller.Dhcp");

    public string Name => "pod-dhcp";

    public async Task<ReconcileResult> ReconcileAsync(string key, CancellationToken cancellationToken)
    {
        var pod = context.PodInformer.Indexer.Get(key);
        if (pod is null || !PodFacts.IsAlive(pod))
        {
            // The pod's ports are deleted after it (through the IP CRs): look again until they are gone.
            var (ns0, name0) = ObjectKeys.Split(key);
            return await DeleteOrphanOverridesAsync($"{name0}.{ns0}", cancellationToken).ConfigureAwait(false)
                ? ReconcileResult.RequeueAfter(TimeSpan.FromSeconds(1))
                : ReconcileResult.Success;
        }

        var annotations = pod.Metadata?.Annotations;
        if (annotations is null)
        {
            return ReconcileResult.Success;
        }

        var ns = pod.Metadata!.Namespace ?? string.Empty;
        foreach (var provider in annotations.Where(a => a.Key.EndsWith(AllocatedSuffix, StringComparison.Ordinal) && a.Value == "true").Select(a => a.Key[..^AllocatedSuffix.Length]))
        {
            if (!VmNet.Multus.ProviderNames.IsOvnProvider(VmNet.Multus.ProviderNames.SubnetProviderOf(provider))
                || !annotations.TryGetValue($"{provider}.kubernetes.io/logical_switch", out var subnetName) || string.IsNullOrEmpty(subnetName))
            {
                continue; // IPAM-only attachment: no OVN port to serve DHCP on.
            }

            var owner = annotations.GetValueOrDefault($"{provider}.kubernetes.io/virtualmachine") is { Length: > 0 } vm ? vm : pod.Metadata.Name!;
            var port = PortNames.PortName(owner, ns, provider);
            if (context.Northbound.Cache.FindByName(LogicalSwitchPort.Table, port).Count == 0)
            {
                return ReconcileResult.RequeueAfter(TimeSpan.FromMilliseconds(500));
            }

            try
            {
                var v4 = await RowForAsync(pod, annotations, provider, port, subnetName, DhcpProtocol.IPv4, cancellationToken).ConfigureAwait(false);
                var v6 = await RowForAsync(pod, annotations, provider, port, subnetName, DhcpProtocol.IPv6, cancellationToken).ConfigureAwait(false);
                await _binder.BindAsync(port, v4, v6, cancellationToken).ConfigureAwait(false);
            }
            catch (DhcpOptionsException ex)
            {
                _logger.LogWarning("pod {Key}: {Message}", key, ex.Message);
                context.Events.Warning(pod.ToObjectReference(), DhcpFailedReason, ex.Message);
                return ReconcileResult.RequeueAfter(TimeSpan.FromMinutes(1));
            }
        }

        return ReconcileResult.Success;
    }

    private async Task<Guid?> RowForAsync(V1Pod pod, IReadOnlyDictionary<string, string> annotations, string provider, string port, string subnetName, DhcpProtocol protocol, CancellationToken cancellationToken)
    {
        var portOwner = DhcpRowWriter.PortOwner(port, protocol);
        if (DhcpPodOverrides.Find(annotations, provider, protocol) is not { } overrideValue)
        {
            await _rows.DeleteAsync(portOwner, cancellationToken).ConfigureAwait(false);
            return _rows.Find(DhcpRowWriter.SubnetOwner(subnetName, protocol))?.Uuid;
        }

        var subnet = context.SubnetInformer.Indexer.Get(null, subnetName);
        var ipam = context.Ipam.FindSubnet(subnetName);
        if (subnet is null || ipam is null)
        {
            return null;
        }

        var input = SubnetDhcpReconciler.SubnetInput(subnet, ipam.Definition.CidrBlock, ipam.Definition.Gateway);
        var existing = _rows.Find(portOwner)?.Options;
        var spec = protocol == DhcpProtocol.IPv4
            ? DhcpOptionsBuilder.V4(input, overrideValue.Key, overrideValue.Value, existing, _rows.NewServerMac, port)
            : DhcpOptionsBuilder.V6(input, overrideValue.Key, overrideValue.Value, existing, _rows.NewServerMac, port);
        _logger.LogDebug("pod {Ns}/{Name}: DHCP override on {Port}", pod.Metadata?.Namespace, pod.Metadata?.Name, port);
        return await _rows.EnsureAsync(spec, portOwner, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes override rows whose port is gone; true while a port named after <paramref name="podPortPrefix"/> still has one.</summary>
    private async Task<bool> DeleteOrphanOverridesAsync(string podPortPrefix, CancellationToken cancellationToken)
    {
        var pending = false;
        foreach (var row in context.Northbound.Cache.FindOwnedByKind(DhcpOptions.Table, DhcpRowWriter.PortOwnerKind))
        {
            var owner = Ownership.FromRow(row);
            var slash = owner?.Key.LastIndexOf('/') ?? -1;
            if (owner is null || slash <= 0)
            {
                continue;
            }

            var port = owner.Key[..slash];
            if (context.Northbound.Cache.FindByName(LogicalSwitchPort.Table, port).Count > 0)
            {
                pending |= port == podPortPrefix || port.StartsWith(podPortPrefix + ".", StringComparison.Ordinal);
                continue;
            }

            await _rows.DeleteAsync(owner, cancellationToken).ConfigureAwait(false);
        }

        return pending;
    }
}
