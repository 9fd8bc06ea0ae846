using VmNet.Ovsdb.Client;
using VmNet.Ovsdb.Errors;
using VmNet.Ovsdb.Operations;
using VmNet.Ovsdb.Schema;
using VmNet.Ovsdb.Session;
using VmNet.Ovsdb.Values;

namespace VmNet.Daemon.Pods;

/// <summary>
/// Waits until the Southbound Port_Binding of a migration target's logical port lists this node's chassis in
/// <c>additional_chassis</c> (or in <c>chassis</c>, when it is the only one). ovn-controller installs the
/// activation-strategy block (facts §5.4) for an additional chassis only once the binding shows it there; before
/// that, frames for the running VM can reach the target's interface, and a kernel holding the VM's address
/// answers their TCP segments with a RST. So the target gets its addresses only after this returns.
/// </summary>
/// <remarks>
/// One short-lived connection per wait: a monitor_cond on the one Port_Binding and this Chassis (no full-table
/// cache on every node); each update only wakes a select on the server, so set diffs need no interpreting.
/// </remarks>
public static class MigrationTargetBinding
{
    public const string Database = "OVN_Southbound";

    /// <summary>
    /// Completes when the binding lists <paramref name="chassisName"/>; the caller bounds it with the token. True when it
    /// is listed as the additional chassis of a port with <c>activation-strategy=rarp</c>: ovn-controller then blocks it.
    /// </summary>
    public static async Task<bool> WaitListedAsync(string southboundRemote, string logicalPort, string chassisName, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(southboundRemote);
        await using var session = await ConnectAsync(southboundRemote, cancellationToken).ConfigureAwait(false);
        var schema = await session.GetSchemaAsync(Database, cancellationToken).ConfigureAwait(false);
        using var changed = new SemaphoreSlim(0);
        session.UpdateHandler = _ => changed.Release();
        await session.MonitorCondAsync(
            schema,
            "vmnet-migration-target",
            [
                new MonitorRequest("Port_Binding", ["chassis", "additional_chassis"], [Condition.Equal("logical_port", logicalPort)]),
                new MonitorRequest("Chassis", ["name"], [Condition.Equal("name", chassisName)]),
            ],
            null,
            cancellationToken).ConfigureAwait(false);
        while (true)
        {
            if (await ReadAsync(session, schema, logicalPort, chassisName, cancellationToken).ConfigureAwait(false) is { } blocked)
            {
                return blocked;
            }

            await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Whether the binding's chassis columns name this chassis, as the server has them now.</summary>
    public static bool Lists(object? chassis, object? additionalChassis, Guid self) =>
        Uuids(additionalChassis).Contains(self) || (Uuids(additionalChassis).Count == 0 && Uuids(chassis).Contains(self));

    /// <summary>Null while not listed; else whether listed as an additional chassis under RARP activation.</summary>
    private static async Task<bool?> ReadAsync(OvsdbSession session, DatabaseSchema schema, string logicalPort, string chassisName, CancellationToken cancellationToken)
    {
        var result = await session.TransactAsync(
            Database,
            [
                new SelectOperation("Chassis", [Condition.Equal("name", chassisName)], ["_uuid"]),
                new SelectOperation("Port_Binding", [Condition.Equal("logical_port", logicalPort)], ["chassis", "additional_chassis", "options"]),
            ],
            schema,
            cancellationToken).ConfigureAwait(false);
        var self = result.Results[0].Rows is [var chassis, ..] && chassis.GetValueOrDefault("_uuid") is Guid uuid ? uuid : (Guid?)null;
        if (self is not { } id || result.Results[1].Rows is not [var binding, ..] || !Lists(binding.GetValueOrDefault("chassis"), binding.GetValueOrDefault("additional_chassis"), id))
        {
            return null;
        }

        var rarp = binding.GetValueOrDefault("options") is OvsdbMap options && options.Any(p => Equals(p.Key, "activation-strategy") && Equals(p.Value, "rarp"));
        return rarp && Uuids(binding.GetValueOrDefault("additional_chassis")).Contains(id);
    }

    private static List<Guid> Uuids(object? value) => value switch
    {
        Guid uuid => [uuid],
        OvsdbSet set => set.OfType<Guid>().ToList(),
        _ => [],
    };

    private static async Task<OvsdbSession> ConnectAsync(string remote, CancellationToken cancellationToken)
    {
        OvsdbException? last = null;
        foreach (var endpoint in OvsdbClientOptions.ParseRemotes(remote))
        {
            try
            {
                return await OvsdbSession.ConnectAsync(endpoint, null, null, null, cancellationToken).ConfigureAwait(false);
            }
            catch (OvsdbException e)
            {
                last = e;
            }
        }

        throw last ?? new OvsdbConnectionException($"no Southbound remote in '{remote}'");
    }
}
