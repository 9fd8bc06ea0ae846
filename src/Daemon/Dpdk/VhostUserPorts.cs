using System.Globalization;
using VmNet.Ovsdb.Cache;
using VmNet.Ovsdb.Client;
using VmNet.Ovsdb.Operations;
using VmNet.Ovsdb.Values;
using VmNet.Ovsdb.Vswitch;

namespace VmNet.Daemon.Dpdk;

/// <summary>
/// vhost-user NICs on br-int through our OVSDB client. OVS is the vhost-user client
/// (<c>dpdkvhostuserclient</c>): QEMU creates the socket and keeps listening, so the port survives
/// restarts of either side (OVS reconnects every second). Unlike veth ports, ports with the same iface-id are
/// NOT removed: during a same-node live migration the source and target launcher pods both have one.
/// Every wait for ovs-vswitchd is bounded by <paramref name="applyTimeout"/> (default <see cref="DefaultApplyTimeout"/>):
/// a vswitchd that is down or failed its EAL init never bumps cur_cfg, and a CNI call must not hang on it.
/// </summary>
public sealed class VhostUserPorts(OvsdbClient ovs, string bridgeName, TimeSpan? applyTimeout = null)
{
    public const string VhostServerPathOption = "vhost-server-path";

    /// <summary>How long ovs-vswitchd gets to apply a port change (well inside the CNI binary's 90 s daemon timeout).</summary>
    public static readonly TimeSpan DefaultApplyTimeout = TimeSpan.FromSeconds(20);

    private readonly TimeSpan applyTimeout = applyTimeout is { } t && t > TimeSpan.Zero ? t : DefaultApplyTimeout;

    /// <summary>Interface external_ids key ovn-controller binds the port by (the LSP name).</summary>
    public const string IfaceIdKey = "iface-id";

    public OvsdbClient Client => ovs;

    /// <summary>What this node's OVS can do, from the monitored Open_vSwitch row.</summary>
    public DpdkCapability Capability() =>
        ovs.Cache.Rows<OpenVSwitch>().FirstOrDefault() is { } row ? DpdkCapability.FromRow(row) : DpdkCapability.None;

    /// <summary>
    /// Creates the port (replacing one of the same name) and waits until ovs-vswitchd has applied it; if vswitchd
    /// rejected it (Interface error column) the port is removed again and the error is thrown.
    /// </summary>
    public async Task AddAsync(VhostUserPortSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (Capability().MissingReason() is { } reason)
        {
            throw new VhostUserException("node", $"vhost-user NIC {spec.Name} requested but {reason}") { IsBadRequest = false };
        }

        var bridge = Bridge();
        var ops = new List<OvsdbOperation>();
        foreach (var stale in ovs.Cache.FindByName<Port>(spec.Name))
        {
            ops.Add(Ops.RemoveFromSet(VmNet.Ovsdb.Vswitch.Bridge.Table, bridge.Uuid, "ports", stale.Uuid));
        }

        var externalIds = new Dictionary<string, string>(spec.ExternalIds, StringComparer.Ordinal) { [IfaceIdKey] = spec.IfaceId };
        ops.Add(new InsertOperation(Interface.Table, new Dictionary<string, object?>
        {
            ["name"] = spec.Name,
            ["type"] = DpdkCapability.VhostUserClientType,
            ["options"] = OvsdbMap.Of(new Dictionary<string, string> { [VhostServerPathOption] = spec.SocketPath }),
            ["mtu_request"] = (long)spec.Mtu,
            ["external_ids"] = OvsdbMap.Of(externalIds),
        }, "iface"));
        ops.Add(new InsertOperation(Port.Table, new Dictionary<string, object?> { ["name"] = spec.Name, ["interfaces"] = OvsdbSet.Of(new NamedUuid("iface")) }, "port"));
        ops.Add(Ops.AddToSet(VmNet.Ovsdb.Vswitch.Bridge.Table, bridge.Uuid, "ports", new NamedUuid("port")));
        try
        {
            await TransactAndSyncAsync(ops, cancellationToken).ConfigureAwait(false);
        }
        catch (VhostUserException)
        {
            // vswitchd never applied it: take the row out again (without waiting on vswitchd) so nothing is left behind.
            await RemoveRowsAsync(spec.Name).ConfigureAwait(false);
            throw;
        }

        if (FindInterface(spec.Name) is { Error: { Length: > 0 } error })
        {
            await RemoveAsync(spec.Name, CancellationToken.None).ConfigureAwait(false);
            throw new VhostUserException("node", $"ovs-vswitchd rejected vhost-user port {spec.Name}: {error}") { IsBadRequest = false };
        }
    }

    /// <summary>Removes the port; false when there was none. Waits for vswitchd so a re-ADD starts clean.</summary>
    public async Task<bool> RemoveAsync(string name, CancellationToken cancellationToken)
    {
        var ports = ovs.Cache.FindByName<Port>(name);
        if (ports.Count == 0)
        {
            return false;
        }

        var bridge = Bridge();
        await TransactAndSyncAsync(ports.Select(p => (OvsdbOperation)Ops.RemoveFromSet(VmNet.Ovsdb.Vswitch.Bridge.Table, bridge.Uuid, "ports", p.Uuid)).ToList(), cancellationToken).ConfigureAwait(false);
        return true;
    }

    private async Task RemoveRowsAsync(string name)
    {
        var ports = ovs.Cache.FindByName<Port>(name);
        if (ports.Count > 0)
        {
            var bridge = Bridge();
            await ovs.TransactAsync(ports.Select(p => (OvsdbOperation)Ops.RemoveFromSet(VmNet.Ovsdb.Vswitch.Bridge.Table, bridge.Uuid, "ports", p.Uuid)).ToList(), CancellationToken.None).ConfigureAwait(false);
        }
    }

    public Interface? FindInterface(string name) => ovs.Cache.FindByName<Interface>(name).FirstOrDefault();

    /// <summary>The NIC's state as OVS reports it; null when there is no such interface.</summary>
    public VhostUserNicState? State(string name) =>
        FindInterface(name) is { } i ? new VhostUserNicState(i.Name, i.LinkState, i.Status.GetValueOrDefault("status"), i.Error) : null;

    /// <summary>Completes when the VM side has started the device (<see cref="VhostUserNicState.IsConnected"/>), which is what "NIC connected" means here.</summary>
    public async Task<VhostUserNicState> WaitConnectedAsync(string name, CancellationToken cancellationToken)
    {
        await ovs.Cache.WaitForRowAsync(Interface.Table, r => r.Name == name && IsConnected(r), cancellationToken).ConfigureAwait(false);
        return State(name)!;
    }

    /// <summary>Completes when the VM side has gone (link down) or the port was removed.</summary>
    public async Task WaitDisconnectedAsync(string name, CancellationToken cancellationToken)
    {
        if (FindInterface(name) is null)
        {
            return;
        }

        await ovs.Cache.WaitForRowAsync(Interface.Table, r => r.Name == name && !IsConnected(r), cancellationToken).ConfigureAwait(false);
    }

    /// <summary><see cref="VhostUserNicState.IsConnected"/> of a cached Interface row.</summary>
    public static bool IsConnected(OvsdbRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return VhostUserNicState.IsConnected(row.GetOptionalString("link_state"), row.GetMap<string, string>("status").GetValueOrDefault("status"));
    }

    private async Task TransactAndSyncAsync(List<OvsdbOperation> ops, CancellationToken cancellationToken)
    {
        // Bumping next_cfg and waiting for cur_cfg is what `ovs-vsctl` does: it returns once vswitchd applied the change.
        var root = ovs.Cache.Rows<OpenVSwitch>().FirstOrDefault() ?? throw new InvalidOperationException("OVS database has no Open_vSwitch row");
        ops.Add(new MutateOperation(OpenVSwitch.Table, [Condition.Uuid(root.Uuid)], [Mutation.Add("next_cfg", 1)]));
        ops.Add(new SelectOperation(OpenVSwitch.Table, [Condition.Uuid(root.Uuid)], ["next_cfg"]));
        var result = await ovs.TransactAsync(ops, cancellationToken).ConfigureAwait(false);
        var target = Convert.ToInt64(result.Results[^1].Rows![0]["next_cfg"], CultureInfo.InvariantCulture);
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(applyTimeout);
        try
        {
            await ovs.Cache.WaitForRowAsync(OpenVSwitch.Table, r => r.GetInteger("cur_cfg") >= target, bounded.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            var current = ovs.Cache.Rows<OpenVSwitch>().FirstOrDefault()?.CurCfg;
            throw new VhostUserException(
                "ovs-vswitchd",
                $"ovs-vswitchd did not apply the change to bridge {bridgeName} within {applyTimeout.TotalSeconds:0} s " +
                $"(Open_vSwitch next_cfg {target}, cur_cfg {current?.ToString(CultureInfo.InvariantCulture) ?? "unknown"}): is ovs-vswitchd running and was its DPDK EAL initialised?")
            {
                IsBadRequest = false,
            };
        }
    }

    private Bridge Bridge() =>
        ovs.Cache.FindByName<Bridge>(bridgeName).FirstOrDefault()
            ?? throw new InvalidOperationException($"OVS bridge {bridgeName} does not exist");
}
