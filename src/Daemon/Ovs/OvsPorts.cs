using System.Globalization;
using VmNet.Daemon.Pods;
using VmNet.Ovsdb.Client;
using VmNet.Ovsdb.Operations;
using VmNet.Ovsdb.Values;
using VmNet.Ovsdb.Vswitch;

namespace VmNet.Daemon.Ovs;

/// <summary>
/// Pod ports on the integration bridge through our OVSDB client: plug (port, interface, QoS in one
/// transaction), unplug, live QoS changes, and the wait for ovn-controller's <c>ovn-installed</c>.
/// </summary>
public sealed partial class OvsPorts(OvsdbClient ovs, string bridgeName)
{
    public OvsdbClient Client => ovs;

    /// <summary>
    /// Adds the port, first removing any port with the same name or bound to the same iface-id
    /// (a retried ADD, or a stale port of a dead container), all in one transaction.
    /// </summary>
    public async Task AddAsync(OvsPortSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var bridge = Bridge();
        var ops = new List<OvsdbOperation>();
        foreach (var stale in PortsNamedOrBound(spec.Name, spec.IfaceId))
        {
            ops.AddRange(RemoveOps(bridge, stale));
        }

        ops.AddRange(PlugOps(bridge, spec));
        await ovs.TransactAsync(ops, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Removes the port and its QoS rows. False when no port had that name.</summary>
    public async Task<bool> RemoveAsync(string name, CancellationToken cancellationToken)
    {
        var ports = ovs.Cache.FindByName<Port>(name);
        if (ports.Count == 0)
        {
            return false;
        }

        var bridge = Bridge();
        await ovs.TransactAsync(ports.SelectMany(p => RemoveOps(bridge, p)).ToList(), cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// Removes the port and waits until ovs-vswitchd has applied that (cur_cfg reaches the next_cfg the
    /// transaction bumped, as `ovs-vsctl` waits). Needed before a device of the same name is re-created:
    /// if vswitchd saw the removal and the re-add in one reconfiguration it would keep its socket on the
    /// deleted device and the new port would never pass traffic.
    /// </summary>
    public async Task RemoveAndSyncAsync(string name, CancellationToken cancellationToken)
    {
        var ports = ovs.Cache.FindByName<Port>(name);
        if (ports.Count == 0)
        {
            return;
        }

        var bridge = Bridge();
        var root = ovs.Cache.Rows<OpenVSwitch>().First();
        var ops = ports.SelectMany(p => RemoveOps(bridge, p)).ToList();
        ops.Add(new MutateOperation(OpenVSwitch.Table, [Condition.Uuid(root.Uuid)], [Mutation.Add("next_cfg", 1)]));
        ops.Add(new SelectOperation(OpenVSwitch.Table, [Condition.Uuid(root.Uuid)], ["next_cfg"]));
        var result = await ovs.TransactAsync(ops, cancellationToken).ConfigureAwait(false);
        var target = Convert.ToInt64(result.Results[^1].Rows![0]["next_cfg"], CultureInfo.InvariantCulture);
        await ovs.Cache.WaitForRowAsync(OpenVSwitch.Table, r => r.GetInteger("cur_cfg") >= target, cancellationToken).ConfigureAwait(false);
    }

    public Interface? FindInterface(string name) => ovs.Cache.FindByName<Interface>(name).FirstOrDefault();

    public Port? FindPort(string name) => ovs.Cache.FindByName<Port>(name).FirstOrDefault();

    /// <summary>Interfaces this daemon plugged (vendor=vmnet with an iface-id).</summary>
    public IReadOnlyList<Interface> OwnedInterfaces() =>
        ovs.Cache.FindByExternalId(Interface.Table, OvsExternalIds.Vendor, OvsExternalIds.VendorValue).Select(Interface.FromRow).Where(IsOwned).ToList();

    private static bool IsOwned(Interface i) =>
        i.ExternalIds.GetValueOrDefault(OvsExternalIds.Vendor) == OvsExternalIds.VendorValue && i.ExternalIds.ContainsKey(OvsExternalIds.IfaceId);

    /// <summary>Completes when ovn-controller has installed the port's flows (<c>external_ids:ovn-installed=true</c>), seen via the monitor.</summary>
    public async Task WaitInstalledAsync(string name, CancellationToken cancellationToken) =>
        await ovs.Cache.WaitForRowAsync(
            Interface.Table,
            r => r.Name == name && r.ExternalId(OvsExternalIds.OvnInstalled) == "true",
            cancellationToken).ConfigureAwait(false);

    /// <summary>Applies changed limits to a plugged port: policing on the Interface, the shaper QoS on the Port.</summary>
    public async Task SetQosAsync(string name, PodQos qos, bool policeOnOvs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(qos);
        var port = FindPort(name) ?? throw new InvalidOperationException($"OVS port {name} does not exist");
        var iface = FindInterface(name) ?? throw new InvalidOperationException($"OVS interface {name} does not exist");
        var ops = new List<OvsdbOperation>
        {
            Ops.Update(Interface.Table, iface.Uuid, new Dictionary<string, object?>
            {
                ["ingress_policing_rate"] = policeOnOvs ? qos.PolicingRateKbps : 0L,
                ["ingress_policing_burst"] = policeOnOvs ? qos.PolicingBurstKbit : 0L,
            }),
        };
        ops.Add(Ops.SetMapKeys(Interface.Table, iface.Uuid, "external_ids", new Dictionary<string, string>
        {
            [OvsExternalIds.EgressRate] = qos.EgressRateMbps.ToString(CultureInfo.InvariantCulture),
        }));
        ops.AddRange(OvsQos.ChangeOps(ovs.Cache, port, qos, iface.ExternalIds));
        await ovs.TransactAsync(ops, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The limits currently on a port, read back from OVS (what CHECK and the QoS watcher compare against).</summary>
    public PodQos? ReadQos(string name)
    {
        var port = FindPort(name);
        var iface = FindInterface(name);
        if (port is null || iface is null)
        {
            return null;
        }

        var egressMbps = long.TryParse(iface.ExternalIds.GetValueOrDefault(OvsExternalIds.EgressRate), CultureInfo.InvariantCulture, out var rate) ? rate : 0;
        var ingressMbps = port.Qos is { } q && ovs.Cache.Get<QoS>(q) is { } row ? OvsQos.RateMbps(ovs.Cache, row) : 0;
        return new PodQos(ingressMbps, egressMbps);
    }

    /// <summary>Port, Interface (+ QoS/Queue) and the bridge's reference to the port, for one transaction.</summary>
    private static List<OvsdbOperation> PlugOps(Bridge bridge, OvsPortSpec spec)
    {
        var ops = new List<OvsdbOperation>();
        var externalIds = new Dictionary<string, string>(spec.ExternalIds, StringComparer.Ordinal)
        {
            [OvsExternalIds.IfaceId] = spec.IfaceId,
            [OvsExternalIds.EgressRate] = spec.Qos.EgressRateMbps.ToString(CultureInfo.InvariantCulture),
        };
        var iface = new Dictionary<string, object?>
        {
            ["name"] = spec.Name,
            ["external_ids"] = OvsdbMap.Of(externalIds),
            ["ingress_policing_rate"] = spec.PoliceOnOvs ? spec.Qos.PolicingRateKbps : 0L,
            ["ingress_policing_burst"] = spec.PoliceOnOvs ? spec.Qos.PolicingBurstKbit : 0L,
        };
        ops.Add(new InsertOperation(Interface.Table, iface, "iface"));
        var port = new Dictionary<string, object?> { ["name"] = spec.Name, ["interfaces"] = OvsdbSet.Of(new NamedUuid("iface")) };
        if (spec.Qos.IngressRateMbps > 0)
        {
            ops.AddRange(OvsQos.InsertOps(spec.Qos, spec.IfaceId, externalIds, "qos"));
            port["qos"] = OvsdbSet.Of(new NamedUuid("qos"));
        }

        ops.Add(new InsertOperation(Port.Table, port, "port"));
        ops.Add(Ops.AddToSet(VmNet.Ovsdb.Vswitch.Bridge.Table, bridge.Uuid, "ports", new NamedUuid("port")));
        return ops;
    }

    private Bridge Bridge() =>
        ovs.Cache.FindByName<Bridge>(bridgeName).FirstOrDefault()
            ?? throw new InvalidOperationException($"OVS bridge {bridgeName} does not exist");

    private IEnumerable<Port> PortsNamedOrBound(string name, string ifaceId)
    {
        var ifaces = ovs.Cache.Rows<Interface>()
            .Where(i => i.Name == name || i.ExternalIds.GetValueOrDefault(OvsExternalIds.IfaceId) == ifaceId)
            .Select(i => i.Uuid)
            .ToHashSet();
        return ovs.Cache.Rows<Port>().Where(p => p.Name == name || p.Interfaces.Any(ifaces.Contains));
    }

    private IEnumerable<OvsdbOperation> RemoveOps(Bridge bridge, Port port)
    {
        // Port and Interface are not root tables: detached from the bridge they are garbage-collected.
        yield return Ops.RemoveFromSet(VmNet.Ovsdb.Vswitch.Bridge.Table, bridge.Uuid, "ports", port.Uuid);
        if (port.Qos is { } qos)
        {
            // Referential integrity is checked before the detached Port is garbage-collected: the Port must
            // let go of its QoS in this transaction or deleting the QoS row fails.
            yield return Ops.Update(Port.Table, port.Uuid, new Dictionary<string, object?> { ["qos"] = OvsdbSet.Empty });
            foreach (var op in OvsQos.DeleteOps(ovs.Cache, qos))
            {
                yield return op;
            }
        }
    }
}
