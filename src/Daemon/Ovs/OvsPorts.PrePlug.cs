using VmNet.Ovsdb.Operations;
using VmNet.Ovsdb.Values;
using VmNet.Ovsdb.Vswitch;

namespace VmNet.Daemon.Ovs;

/// <summary>The OVS side of ports plugged before their ADD (Pods/PodPrePlugger, README "Pre-plugging").</summary>
public sealed partial class OvsPorts
{
    /// <summary>Our ports that wait for an ADD (<c>vmnet.io/pre-plugged</c> set).</summary>
    public IReadOnlyList<Interface> PrePluggedInterfaces() =>
        OwnedInterfaces().Where(i => i.ExternalIds.ContainsKey(OvsExternalIds.PrePlugged)).ToList();

    /// <summary>True when any OVS interface (ours or not, adopted or waiting) is bound to <paramref name="ifaceId"/>.</summary>
    public bool IsBound(string ifaceId) => ovs.Cache.FindByExternalId(Interface.Table, OvsExternalIds.IfaceId, ifaceId).Count > 0;

    /// <summary>Our interfaces bound to <paramref name="ifaceId"/> (the cache's external_ids index: an ADD must not decode every row).</summary>
    public IReadOnlyList<Interface> OwnedInterfacesBoundTo(string ifaceId) =>
        ovs.Cache.FindByExternalId(Interface.Table, OvsExternalIds.IfaceId, ifaceId).Select(Interface.FromRow).Where(IsOwned).ToList();

    /// <summary>The interface an ADD of (<paramref name="containerId"/>, <paramref name="ifName"/>) plugged or adopted, if any.</summary>
    public Interface? FindAttachment(string containerId, string ifName) =>
        ovs.Cache.FindByExternalId(Interface.Table, OvsExternalIds.ContainerId, containerId).Select(Interface.FromRow)
            .FirstOrDefault(i => IsOwned(i) && i.ExternalIds.GetValueOrDefault(OvsExternalIds.IfName) == ifName);

    /// <summary>
    /// Plugs a port ahead of its ADD. Unlike <see cref="AddAsync"/> it never removes another port: when anything
    /// is bound to the iface-id already (the pod's own ADD won the race, a migrating VM's source) it does nothing
    /// and returns false. The check and the insert are one transaction (a wait on the bound rows' absence).
    /// </summary>
    public async Task<bool> AddPrePlugAsync(OvsPortSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (IsBound(spec.IfaceId) || FindPort(spec.Name) is not null)
        {
            return false;
        }

        var ops = new List<OvsdbOperation>
        {
            // Guards against a port bound meanwhile by a transaction our cache has not seen yet.
            // (an aborted wait fails the transaction, which the caller logs and the next pod event retries).
            new WaitOperation(
                Interface.Table,
                [Condition.Includes("external_ids", OvsdbMap.Of(new Dictionary<string, string> { [OvsExternalIds.IfaceId] = spec.IfaceId }))],
                ["name"],
                "==",
                [],
                0),
        };
        ops.AddRange(PlugOps(Bridge(), spec));
        await ovs.TransactAsync(ops, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>An ADD takes over a pre-plugged port: the container's external_ids in, the waiting mark out.</summary>
    public async Task AdoptAsync(string name, IReadOnlyDictionary<string, string> externalIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(externalIds);
        var iface = FindInterface(name) ?? throw new InvalidOperationException($"pre-plugged OVS interface {name} does not exist");
        var ops = new List<OvsdbOperation>
        {
            Ops.SetMapKeys(Interface.Table, iface.Uuid, "external_ids", externalIds),
            new MutateOperation(Interface.Table, [Condition.Uuid(iface.Uuid)], [Mutation.Delete("external_ids", OvsdbSet.From([OvsExternalIds.PrePlugged, OvsExternalIds.PrePlugExpires]))]),
        };
        await ovs.TransactAsync(ops, cancellationToken).ConfigureAwait(false);
    }
}
