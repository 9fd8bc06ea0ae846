using System.Net.NetworkInformation;
using System.Net.Sockets;
using VmNet.Daemon.Netlink;
using VmNet.Daemon.Ovs;
using VmNet.Daemon.Pods;
using VmNet.Ovsdb.Client;
using VmNet.Ovsdb.Operations;
using VmNet.Ovsdb.Values;
using VmNet.Ovsdb.Vswitch;

namespace VmNet.Daemon.Node;

/// <summary>
/// The node's port on the join switch: OVS internal port <c>ovn0</c> bound to <c>node-&lt;node&gt;</c>,
/// with the MAC, MTU and address the controller allocated (facts §10).
/// </summary>
public sealed class JoinPort(OvsdbClient ovs, HostNetwork host, DaemonOptions options)
{
    public const string Name = "ovn0";

    public async Task EnsureAsync(NodeAnnotations join, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(join);
        var existing = ovs.Cache.FindByName<Interface>(Name).FirstOrDefault();
        if (existing is null || existing.ExternalIds.GetValueOrDefault(OvsExternalIds.IfaceId) != join.PortName || existing.Mac != join.Mac)
        {
            await PlugAsync(join, cancellationToken).ConfigureAwait(false);
        }

        // ovs-vswitchd creates the tap device when it opens the port; ofport is set once it has.
        await ovs.Cache.WaitForRowAsync(Interface.Table, r => r.Name == Name && r.GetOptionalInteger("ofport") is > 0, cancellationToken).ConfigureAwait(false);
        var mac = PhysicalAddress.Parse(join.Mac.Replace(':', '-'));
        await host.Links.SetLinkAsync(Name, new LinkChanges { MacAddress = mac, Mtu = options.EffectivePodMtu, Up = true }, cancellationToken).ConfigureAwait(false);
        host.Ethtool.SetTxChecksum(Name, enabled: false);
        var present = (await host.Links.ListAddressesAsync(Name, AddressFamily.Unspecified, cancellationToken).ConfigureAwait(false)).Select(a => a.Address).ToHashSet();
        foreach (var address in join.Addresses.Where(a => !present.Contains(a)))
        {
            await host.Links.AddAddressAsync(Name, address, null, cancellationToken).ConfigureAwait(false);
        }

        // A previous allocation's addresses go (the IPv6 link-local one is the kernel's and stays).
        foreach (var stale in present.Where(a => !join.Addresses.Contains(a) && !(a.IsIPv6 && a.Address.IsIPv6LinkLocal)))
        {
            await host.Links.DeleteAddressAsync(Name, stale, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>True while ovn0 is in OVS bound to <paramref name="join"/>'s port and its kernel device exists.</summary>
    public async Task<bool> IsPresentAsync(NodeAnnotations join, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(join);
        var row = ovs.Cache.FindByName<Interface>(Name).FirstOrDefault();
        return row is not null
            && row.ExternalIds.GetValueOrDefault(OvsExternalIds.IfaceId) == join.PortName
            && await host.Links.TryGetLinkAsync(Name, cancellationToken).ConfigureAwait(false) is not null;
    }

    private async Task PlugAsync(NodeAnnotations join, CancellationToken cancellationToken)
    {
        var bridge = ovs.Cache.FindByName<Bridge>(options.IntegrationBridge).FirstOrDefault()
            ?? throw new InvalidOperationException($"OVS bridge {options.IntegrationBridge} does not exist");
        var ops = new List<OvsdbOperation>();
        foreach (var stale in ovs.Cache.FindByName<Port>(Name))
        {
            ops.Add(Ops.RemoveFromSet(Bridge.Table, bridge.Uuid, "ports", stale.Uuid));
        }

        var ids = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [OvsExternalIds.IfaceId] = join.PortName,
            [OvsExternalIds.Ip] = string.Join(",", join.Addresses.Select(a => a.Address)),
            [OvsExternalIds.Vendor] = OvsExternalIds.VendorValue,
        };
        ops.Add(new InsertOperation(
            Interface.Table,
            new Dictionary<string, object?>
            {
                ["name"] = Name,
                ["type"] = "internal",
                ["mac"] = join.Mac,
                ["mtu_request"] = (long)options.EffectivePodMtu,
                ["external_ids"] = OvsdbMap.Of(ids),
            },
            "join_iface"));
        ops.Add(new InsertOperation(Port.Table, new Dictionary<string, object?> { ["name"] = Name, ["interfaces"] = OvsdbSet.Of(new NamedUuid("join_iface")) }, "join_port"));
        ops.Add(Ops.AddToSet(Bridge.Table, bridge.Uuid, "ports", new NamedUuid("join_port")));
        await ovs.TransactAsync(ops, cancellationToken).ConfigureAwait(false);
    }
}
