using VmNet.Ovsdb.Cache;
using VmNet.Ovsdb.Typed;

namespace VmNet.Ovsdb;

/// <summary>Cache lookups by ownership (served by the cache's external_ids index).</summary>
public static class OwnershipQueries
{
    /// <summary>Rows of <paramref name="table"/> that VmNet created for owners of <paramref name="kind"/>.</summary>
    public static IReadOnlyList<OvsdbRow> FindOwnedByKind(this OvsdbCache cache, string table, string kind) =>
        cache.FindByExternalId(table, Ownership.OwnerKindKey, kind)
            .Where(r => r.ExternalId(Ownership.VendorKey) == VmNetInfo.Vendor)
            .ToArray();

    /// <summary>Rows of <paramref name="table"/> owned by exactly this owner.</summary>
    public static IReadOnlyList<OvsdbRow> FindOwnedBy(this OvsdbCache cache, string table, Ownership owner) =>
        cache.FindByExternalId(table, Ownership.OwnerKey, owner.Key)
            .Where(r => r.ExternalId(Ownership.VendorKey) == VmNetInfo.Vendor && r.ExternalId(Ownership.OwnerKindKey) == owner.Kind)
            .ToArray();

    /// <summary>
    /// Rows of <paramref name="table"/> owned by <paramref name="kind"/> whose owner key is not in
    /// <paramref name="liveKeys"/>: the garbage a reconciler should remove.
    /// </summary>
    public static IReadOnlyList<OvsdbRow> FindOrphans(this OvsdbCache cache, string table, string kind, IReadOnlySet<string> liveKeys) =>
        cache.FindOwnedByKind(table, kind)
            .Where(r => r.ExternalId(Ownership.OwnerKey) is not { } key || !liveKeys.Contains(key))
            .ToArray();

    /// <summary>Typed rows owned by exactly this owner.</summary>
    public static IReadOnlyList<T> FindOwnedBy<T>(this OvsdbCache cache, Ownership owner)
        where T : IOvsdbTypedRow<T> => cache.FindOwnedBy(T.TableName, owner).Select(T.FromRow).ToArray();

    /// <summary>Typed rows owned by <paramref name="kind"/> whose owner key is not in <paramref name="liveKeys"/>.</summary>
    public static IReadOnlyList<T> FindOrphans<T>(this OvsdbCache cache, string kind, IReadOnlySet<string> liveKeys)
        where T : IOvsdbTypedRow<T> => cache.FindOrphans(T.TableName, kind, liveKeys).Select(T.FromRow).ToArray();
}
