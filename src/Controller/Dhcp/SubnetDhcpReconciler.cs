using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using VmNet.Controller.Hosting;
using VmNet.Controller.Pods;
using VmNet.Controller.Runtime.Events;
using VmNet.Controller.Runtime.Queue;
using VmNet.Dhcp;
using VmNet.Kube;
using VmNet.Kube.Models;
using VmNet.Ovsdb;
using VmNet.Ovsdb.Northbound;
using VmNet.Ovsdb.Operations;
using VmNet.Ovsdb.Values;

namespace VmNet.Controller.Dhcp;

/// <summary>
/// OVN native DHCP for a Subnet (facts §5.6): with <c>enableDHCP</c> one DHCP_Options row per family the subnet
/// has (user <c>dhcpV4Options</c>/<c>dhcpV6Options</c> over defaults, server MAC kept across updates), their UUIDs in
/// <c>status.dhcpV4OptionsUUID</c>/<c>dhcpV6OptionsUUID</c>, and every port of the subnet without a per-pod override
/// bound to them; without it, our rows are deleted and the status cleared. <c>enableIPv6RA</c> sets the subnet's
/// router port <c>ipv6_ra_configs</c>. Bad option strings are a Warning event on the Subnet and change nothing.
/// </summary>
public sealed class SubnetDhcpReconciler(ControllerContext context) : IReconciler
{
    public const string DhcpFailedReason = "ConfigureDhcpFailed";

    private readonly DhcpRowWriter _rows = new(context.Northbound);
    private readonly PortDhcpBinder _binder = new(context.Northbound);
    private readonly ILogger _logger = context.CreateLogger("VmNet.Controller.Dhcp");

    public string Name => "subnet-dhcp";

    public async Task<ReconcileResult> ReconcileAsync(string name, CancellationToken cancellationToken)
    {
        var subnet = context.SubnetInformer.Indexer.Get(null, name);
        if (subnet is null || subnet.Metadata?.DeletionTimestamp is not null)
        {
            await _rows.DeleteAsync(DhcpRowWriter.SubnetOwner(name, DhcpProtocol.IPv4), cancellationToken).ConfigureAwait(false);
            await _rows.DeleteAsync(DhcpRowWriter.SubnetOwner(name, DhcpProtocol.IPv6), cancellationToken).ConfigureAwait(false);
            return ReconcileResult.Success;
        }

        var ipam = context.Ipam.FindSubnet(name);
        var logicalSwitch = context.Northbound.Cache.FindByName(LogicalSwitch.Table, name).FirstOrDefault();
        if (ipam is null || logicalSwitch is null)
        {
            return ReconcileResult.RequeueAfter(TimeSpan.FromSeconds(1));
        }

        var input = SubnetInput(subnet, ipam.Definition.CidrBlock, ipam.Definition.Gateway);
        Guid? v4 = null, v6 = null;
        try
        {
            if (subnet.Spec?.EnableDHCP == true)
            {
                var specs = BuildSpecs(subnet, input);
                if (specs.V4 is { } s4)
                {
                    v4 = await _rows.EnsureAsync(s4, DhcpRowWriter.SubnetOwner(name, DhcpProtocol.IPv4), cancellationToken).ConfigureAwait(false);
                }

                if (specs.V6 is { } s6)
                {
                    v6 = await _rows.EnsureAsync(s6, DhcpRowWriter.SubnetOwner(name, DhcpProtocol.IPv6), cancellationToken).ConfigureAwait(false);
                }
            }

            await EnsureRaAsync(subnet, cancellationToken).ConfigureAwait(false);
        }
        catch (DhcpOptionsException ex)
        {
            _logger.LogWarning("subnet {Subnet}: {Message}", name, ex.Message);
            context.Events.Warning(subnet.ToObjectReference(), DhcpFailedReason, ex.Message);
            return ReconcileResult.RequeueAfter(TimeSpan.FromMinutes(1));
        }

        if (v4 is null)
        {
            await _rows.DeleteAsync(DhcpRowWriter.SubnetOwner(name, DhcpProtocol.IPv4), cancellationToken).ConfigureAwait(false);
        }

        if (v6 is null)
        {
            await _rows.DeleteAsync(DhcpRowWriter.SubnetOwner(name, DhcpProtocol.IPv6), cancellationToken).ConfigureAwait(false);
        }

        await BindPortsAsync(logicalSwitch.GetSet<Guid>("ports"), v4, v6, cancellationToken).ConfigureAwait(false);
        await WriteStatusAsync(subnet, v4, v6, cancellationToken).ConfigureAwait(false);
        return ReconcileResult.Success;
    }

    /// <summary>What DHCP needs of a subnet; the MTU follows facts §5.6 (subnet mtu, else 1500 less the tunnel overhead).</summary>
    public static DhcpSubnetInput SubnetInput(V1Subnet subnet, string cidrBlock, string gateway)
    {
        var underlay = !string.IsNullOrEmpty(subnet.Spec?.Vlan);
        var u2oGateway = subnet.Spec?.U2oInterconnection == true && !string.IsNullOrEmpty(subnet.Status?.U2oInterconnectionIP) ? subnet.Status!.U2oInterconnectionIP! : gateway;
        return DhcpSubnetInput.From(subnet.Metadata!.Name!, cidrBlock, u2oGateway, EncapOverhead.GuestMtu(subnet.Spec?.Mtu, underlay, tunnelType: null));
    }

    private (DhcpOptionsSpec? V4, DhcpOptionsSpec? V6) BuildSpecs(V1Subnet subnet, DhcpSubnetInput input)
    {
        var name = input.Name;
        var v4 = input.V4Cidr is null ? null : DhcpOptionsBuilder.V4(input, "dhcpV4Options", subnet.Spec?.DhcpV4Options, _rows.Find(DhcpRowWriter.SubnetOwner(name, DhcpProtocol.IPv4))?.Options, _rows.NewServerMac);
        var v6 = input.V6Cidr is null ? null : DhcpOptionsBuilder.V6(input, "dhcpV6Options", subnet.Spec?.DhcpV6Options, _rows.Find(DhcpRowWriter.SubnetOwner(name, DhcpProtocol.IPv6))?.Options, _rows.NewServerMac);
        return (v4, v6);
    }

    /// <summary>Ports with their own override rows keep them; every other port of the switch points at the subnet's rows.</summary>
    private async Task BindPortsAsync(IEnumerable<Guid> ports, Guid? v4, Guid? v6, CancellationToken cancellationToken)
    {
        foreach (var uuid in ports)
        {
            if (context.Northbound.Cache.Get(LogicalSwitchPort.Table, uuid) is not { } row || row.Name is not { } port || row.ExternalId(LogicalPortWriter.PodExternalId) is null)
            {
                continue;
            }

            var own4 = _rows.Find(DhcpRowWriter.PortOwner(port, DhcpProtocol.IPv4))?.Uuid;
            var own6 = _rows.Find(DhcpRowWriter.PortOwner(port, DhcpProtocol.IPv6))?.Uuid;
            await _binder.BindAsync(port, own4 ?? v4, own6 ?? v6, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task EnsureRaAsync(V1Subnet subnet, CancellationToken cancellationToken)
    {
        var name = subnet.Metadata!.Name!;
        var router = string.IsNullOrEmpty(subnet.Spec?.Vpc) ? context.Options.ClusterRouter : subnet.Spec!.Vpc!;
        var lrp = context.Northbound.Cache.FindByName(LogicalRouterPort.Table, $"{router}-{name}").Select(LogicalRouterPort.FromRow).FirstOrDefault();
        if (lrp is null)
        {
            return;
        }

        var desired = subnet.Spec?.EnableIPv6RA == true ? Ipv6RaConfigs.Build("ipv6RAConfigs", subnet.Spec.Ipv6RAConfigs) : new Dictionary<string, string>();
        if (lrp.Ipv6RaConfigs.Count == desired.Count && lrp.Ipv6RaConfigs.All(p => desired.TryGetValue(p.Key, out var v) && v == p.Value))
        {
            return;
        }

        await context.Northbound.TransactAsync(
            [Ops.Update(LogicalRouterPort.Table, lrp.Uuid, new Dictionary<string, object?>(StringComparer.Ordinal) { ["ipv6_ra_configs"] = OvsdbMap.Of(desired) })],
            cancellationToken).ConfigureAwait(false);
    }

    private async Task WriteStatusAsync(V1Subnet subnet, Guid? v4, Guid? v6, CancellationToken cancellationToken)
    {
        var want4 = v4?.ToString() ?? string.Empty;
        var want6 = v6?.ToString() ?? string.Empty;
        if ((subnet.Status?.DhcpV4OptionsUUID ?? string.Empty) == want4 && (subnet.Status?.DhcpV6OptionsUUID ?? string.Empty) == want6)
        {
            return;
        }

        var patch = new JsonObject { ["status"] = new JsonObject { ["dhcpV4OptionsUUID"] = want4, ["dhcpV6OptionsUUID"] = want6 } };
        try
        {
            await context.Kube.PatchStatusAsync<V1Subnet>(null, subnet.Metadata!.Name!, KubePatch.Merge(patch), cancellationToken).ConfigureAwait(false);
        }
        catch (KubeNotFoundException)
        {
            // Deleted meanwhile; the next reconcile removes the rows.
        }
    }
}
