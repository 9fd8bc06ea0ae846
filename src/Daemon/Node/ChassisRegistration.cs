using VmNet.Ovsdb.Client;
using VmNet.Ovsdb.Operations;
using VmNet.Ovsdb.Values;
using VmNet.Ovsdb.Vswitch;

namespace VmNet.Daemon.Node;

/// <summary>
/// Node setup in the node's Open_vSwitch database, through our client in one transaction each: the
/// chassis keys ovn-controller reads (system-id, hostname, ovn-remote, encap type/ip, datapath type)
/// and the integration bridge (secure fail mode, in-band control off).
/// </summary>
public sealed class ChassisRegistration(OvsdbClient ovs, DaemonOptions options)
{
    /// <summary>Writes the chassis keys and returns the system-id (chassis name) in effect.</summary>
    public async Task<string> RegisterAsync(CancellationToken cancellationToken)
    {
        var root = ovs.Cache.Rows<OpenVSwitch>().FirstOrDefault()
            ?? throw new InvalidOperationException("the Open_vSwitch table has no row (database not initialised with ovs-vsctl init?)");
        var systemId = options.SystemId ?? root.ExternalIds.GetValueOrDefault("system-id") ?? options.NodeName;
        var keys = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["system-id"] = systemId,
            ["hostname"] = options.NodeName,
            ["ovn-encap-type"] = options.EncapType,
            ["ovn-bridge-datapath-type"] = options.DatapathType,
        };
        if (options.SouthboundRemote is { } remote)
        {
            keys["ovn-remote"] = remote;
        }

        if (options.EncapIp is { } encapIp)
        {
            keys["ovn-encap-ip"] = encapIp;
        }

        var changed = keys.Where(k => root.ExternalIds.GetValueOrDefault(k.Key) != k.Value).ToDictionary(StringComparer.Ordinal);
        if (changed.Count > 0)
        {
            await ovs.TransactAsync([Ops.SetMapKeys(OpenVSwitch.Table, root.Uuid, "external_ids", changed)], cancellationToken).ConfigureAwait(false);
        }

        return systemId;
    }

    /// <summary>Creates br-int (with its local internal port, as ovs-vsctl add-br does) or fixes its settings.</summary>
    public async Task EnsureBridgeAsync(CancellationToken cancellationToken)
    {
        var name = options.IntegrationBridge;
        var settings = new Dictionary<string, object?>
        {
            ["fail_mode"] = "secure",
            ["datapath_type"] = options.DatapathType,
            ["other_config"] = OvsdbMap.Of(new Dictionary<string, string> { ["disable-in-band"] = "true" }),
        };
        if (ovs.Cache.FindByName<Bridge>(name).FirstOrDefault() is { } existing)
        {
            if (existing.FailMode != "secure" || existing.DatapathType != options.DatapathType || existing.OtherConfig.GetValueOrDefault("disable-in-band") != "true")
            {
                await ovs.TransactAsync([Ops.Update(Bridge.Table, existing.Uuid, settings)], cancellationToken).ConfigureAwait(false);
            }

            return;
        }

        var root = ovs.Cache.Rows<OpenVSwitch>().First();
        settings["name"] = name;
        settings["ports"] = OvsdbSet.Of(new NamedUuid("local_port"));
        OvsdbOperation[] ops =
        [
            new InsertOperation(Interface.Table, new Dictionary<string, object?> { ["name"] = name, ["type"] = "internal" }, "local_iface"),
            new InsertOperation(Port.Table, new Dictionary<string, object?> { ["name"] = name, ["interfaces"] = OvsdbSet.Of(new NamedUuid("local_iface")) }, "local_port"),
            new InsertOperation(Bridge.Table, settings, "bridge"),
            Ops.AddToSet(OpenVSwitch.Table, root.Uuid, "bridges", new NamedUuid("bridge")),
        ];
        await ovs.TransactAsync(ops, cancellationToken).ConfigureAwait(false);
    }
}
