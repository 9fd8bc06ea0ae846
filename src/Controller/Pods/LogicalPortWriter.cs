using VmNet.Addressing;
using VmNet.Ipam;
using VmNet.Ovsdb.Client;
using VmNet.Ovsdb.Northbound;
using VmNet.Ovsdb.Operations;
using VmNet.Ovsdb;
using VmNet.Ovsdb.Values;

namespace VmNet.Controller.Pods;

/// <summary>The subnet's logical switch is not in the Northbound DB yet (the topology reconciler is behind).</summary>
public sealed class LogicalSwitchMissingException(string subnet)
    : Exception($"logical_switch: \"{subnet}\" has no Logical_Switch in the Northbound DB yet")
{
    public string Subnet { get; } = subnet;
}

/// <summary>
/// Creates, moves, updates and deletes pod/VM Logical_Switch_Ports (facts §9.2), each change in one OVSDB
/// transaction (insert + attach to the switch's <c>ports</c> together). Reads the client's cache, so an
/// unchanged port costs no round trip. Other columns (e.g. migration <c>options</c>) are never touched.
/// </summary>
public sealed class LogicalPortWriter(OvsdbClient northbound, NorthboundBatcher batcher, AddressingStepHook stepHook)
{
    public const string PodExternalId = "pod";
    public const string SwitchExternalId = "ls";

    /// <summary>Makes the port match the allocation; returns false when it already did.</summary>
    public async Task<bool> EnsureAsync(Allocation allocation, bool portSecurity, Ownership owner, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(allocation);
        ArgumentNullException.ThrowIfNull(owner);
        var cache = northbound.Cache;
        var logicalSwitch = cache.FindByName(LogicalSwitch.Table, allocation.Subnet).FirstOrDefault()
            ?? throw new LogicalSwitchMissingException(allocation.Subnet);
        var addresses = new[] { PortAddresses.Addresses(allocation) };
        var security = PortAddresses.PortSecurity(allocation, portSecurity);
        var ids = new Dictionary<string, string>(StringComparer.Ordinal) { [PodExternalId] = owner.Key, [SwitchExternalId] = allocation.Subnet };
        var existingRow = cache.FindByName(LogicalSwitchPort.Table, allocation.NicKey).FirstOrDefault();
        if (existingRow is null)
        {
            var port = new LogicalSwitchPort { Name = allocation.NicKey, Addresses = addresses, PortSecurity = security, ExternalIds = ids };
            var (_, ops) = NorthboundOps.CreateLogicalSwitchPort(logicalSwitch.Uuid, port, owner);
            await TransactAsync("ovsdb:create-lsp", ops, cancellationToken).ConfigureAwait(false);
            return true;
        }

        var existing = LogicalSwitchPort.FromRow(existingRow);
        var operations = new List<OvsdbOperation>();
        var parent = FindParentSwitch(existing.Uuid);
        if (parent != logicalSwitch.Uuid)
        {
            // Subnet change: move the same row (names are unique, so delete + insert could not share a transaction).
            if (parent is { } old)
            {
                operations.Add(Ops.RemoveFromSet(LogicalSwitch.Table, old, "ports", existing.Uuid));
            }

            operations.Add(Ops.AddToSet(LogicalSwitch.Table, logicalSwitch.Uuid, "ports", existing.Uuid));
        }

        var desiredIds = owner.ToExternalIds(Merge(existing.ExternalIds, ids));
        if (!existing.Addresses.SequenceEqual(addresses) || !existing.PortSecurity.SequenceEqual(security) || !SameMap(existing.ExternalIds, desiredIds))
        {
            operations.Add(Ops.Update(LogicalSwitchPort.Table, existing.Uuid, new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["addresses"] = OvsdbSet.From(addresses),
                ["port_security"] = OvsdbSet.From(security),
                ["external_ids"] = OvsdbMap.Of(desiredIds),
            }));
        }

        if (operations.Count == 0)
        {
            return false;
        }

        await TransactAsync("ovsdb:update-lsp", operations, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Detaches (and so deletes) the port named <paramref name="portName"/>; false when there is none.</summary>
    public async Task<bool> DeleteAsync(string portName, CancellationToken cancellationToken)
    {
        var row = northbound.Cache.FindByName(LogicalSwitchPort.Table, portName).FirstOrDefault();
        if (row is null)
        {
            return false;
        }

        var parent = FindParentSwitch(row.Uuid);
        IReadOnlyList<OvsdbOperation> ops = parent is { } ls
            ? NorthboundOps.DeleteLogicalSwitchPort(ls, row.Uuid)
            : [Ops.Delete(LogicalSwitchPort.Table, row.Uuid)];
        await TransactAsync("ovsdb:delete-lsp", ops, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private Guid? FindParentSwitch(Guid port)
    {
        foreach (var row in northbound.Cache.Rows(LogicalSwitch.Table))
        {
            if (row.GetSet<Guid>("ports").Contains(port))
            {
                return row.Uuid;
            }
        }

        return null;
    }

    private async Task TransactAsync(string step, IReadOnlyList<OvsdbOperation> ops, CancellationToken cancellationToken)
    {
        await stepHook(step, cancellationToken).ConfigureAwait(false);
        await batcher.TransactAsync(ops, cancellationToken).ConfigureAwait(false);
    }

    private static Dictionary<string, string> Merge(IReadOnlyDictionary<string, string> existing, Dictionary<string, string> ours)
    {
        var merged = new Dictionary<string, string>(existing, StringComparer.Ordinal);
        foreach (var (key, value) in ours)
        {
            merged[key] = value;
        }

        return merged;
    }

    private static bool SameMap(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count && a.All(p => b.TryGetValue(p.Key, out var v) && v == p.Value);
}
