using VmNet.Dhcp;
using VmNet.Ipam;
using VmNet.Ovsdb;
using VmNet.Ovsdb.Client;
using VmNet.Ovsdb.Northbound;
using VmNet.Ovsdb.Operations;
using VmNet.Ovsdb.Values;

namespace VmNet.Controller.Dhcp;

/// <summary>
/// NB <c>DHCP_Options</c> rows with typed ownership: a subnet's rows are owned by (<see cref="SubnetOwnerKind"/>,
/// <c>&lt;subnet&gt;/&lt;protocol&gt;</c>), a port override's by (<see cref="PortOwnerKind"/>, <c>&lt;port&gt;/&lt;protocol&gt;</c>).
/// Lookups go by ownership, never by external_ids names. Random server MACs come from <see cref="MacGenerator"/>.
/// </summary>
public sealed class DhcpRowWriter(OvsdbClient northbound)
{
    public const string SubnetOwnerKind = "SubnetDhcpOptions";
    public const string PortOwnerKind = "PortDhcpOptions";

    private readonly MacGenerator _macs = new();

    public static Ownership SubnetOwner(string subnet, DhcpProtocol protocol) => new(SubnetOwnerKind, $"{subnet}/{protocol}");

    public static Ownership PortOwner(string port, DhcpProtocol protocol) => new(PortOwnerKind, $"{port}/{protocol}");

    public DhcpOptions? Find(Ownership owner) =>
        northbound.Cache.FindOwnedBy(DhcpOptions.Table, owner).Select(DhcpOptions.FromRow).FirstOrDefault();

    public string NewServerMac() => _macs.Generate(static _ => false, "dhcp").ToString();

    /// <summary>Inserts or updates the row; returns its UUID.</summary>
    public async Task<Guid> EnsureAsync(DhcpOptionsSpec spec, Ownership owner, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var ids = owner.ToExternalIds(spec.ExternalIds);
        var existing = Find(owner);
        if (existing is null)
        {
            var row = new DhcpOptions { Cidr = spec.Cidr, Options = spec.Options, ExternalIds = ids };
            var insert = Ops.InsertOwned(row, owner, "dhcp");
            var result = await northbound.TransactAsync([insert], cancellationToken).ConfigureAwait(false);
            return InsertedUuid(result.Results);
        }

        if (existing.Cidr != spec.Cidr || !spec.SameOptions(existing.Options) || !SameMap(existing.ExternalIds, ids))
        {
            await northbound.TransactAsync(
            [
                Ops.Update(DhcpOptions.Table, existing.Uuid, new Dictionary<string, object?>(StringComparer.Ordinal)
                {
                    ["cidr"] = spec.Cidr,
                    ["options"] = OvsdbMap.Of(spec.Options),
                    ["external_ids"] = OvsdbMap.Of(ids),
                }),
            ], cancellationToken).ConfigureAwait(false);
        }

        return existing.Uuid;
    }

    public async Task<bool> DeleteAsync(Ownership owner, CancellationToken cancellationToken)
    {
        var existing = Find(owner);
        if (existing is null)
        {
            return false;
        }

        // The port columns referencing it are weak references: OVSDB clears them in the same transaction.
        await northbound.TransactAsync([Ops.Delete(DhcpOptions.Table, existing.Uuid)], cancellationToken).ConfigureAwait(false);
        return true;
    }

    private static Guid InsertedUuid(IReadOnlyList<OperationResult> results) =>
        results.Select(r => r.Uuid).FirstOrDefault(u => u is not null) ?? throw new InvalidOperationException("DHCP_Options insert returned no uuid");

    private static bool SameMap(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count && a.All(p => b.TryGetValue(p.Key, out var v) && v == p.Value);
}
