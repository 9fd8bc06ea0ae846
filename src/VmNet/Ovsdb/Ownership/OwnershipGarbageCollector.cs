using VmNet.Ovsdb.Cache;
using VmNet.Ovsdb.Operations;
using VmNet.Ovsdb.Values;

namespace VmNet.Ovsdb;

/// <summary>
/// Builds the operations that remove rows by ownership: every reference to them in a set column of
/// another monitored table is removed (e.g. a port from its switch's <c>ports</c>), then the rows
/// are deleted, so one transaction leaves no dangling reference behind.
/// </summary>
public static class OwnershipGarbageCollector
{
    /// <summary>Operations deleting the rows of <paramref name="table"/> owned by <paramref name="kind"/> whose owner is not live.</summary>
    public static IReadOnlyList<OvsdbOperation> DeleteOrphansOps(this OvsdbCache cache, string table, string kind, IReadOnlySet<string> liveKeys) =>
        cache.DeleteRowsOps(table, cache.FindOrphans(table, kind, liveKeys).Select(r => r.Uuid).ToHashSet());

    /// <summary>Operations detaching the rows from every referencing set column in the cache, then deleting them.</summary>
    public static IReadOnlyList<OvsdbOperation> DeleteRowsOps(this OvsdbCache cache, string table, IReadOnlySet<Guid> rows)
    {
        ArgumentNullException.ThrowIfNull(cache);
        if (rows.Count == 0)
        {
            return [];
        }

        var ops = new List<OvsdbOperation>();
        foreach (var referencingTable in cache.Tables)
        {
            var schema = cache.Schema.GetTable(referencingTable);
            var columns = schema.Columns.Where(c => c.Type.Key.RefTable == table && c.Type.Value is null && c.Type.Min == 0).ToArray();
            if (columns.Length == 0)
            {
                continue;
            }

            foreach (var row in cache.Rows(referencingTable))
            {
                var mutations = new List<Mutation>();
                foreach (var column in columns)
                {
                    var referenced = row.Get(column.Ordinal) switch
                    {
                        OvsdbSet set => set.OfType<Guid>().Where(rows.Contains).ToArray(),
                        Guid g when rows.Contains(g) => [g],
                        _ => [],
                    };
                    if (referenced.Length > 0)
                    {
                        mutations.Add(Mutation.Delete(column.Name, OvsdbSet.From(referenced)));
                    }
                }

                if (mutations.Count > 0)
                {
                    ops.Add(new MutateOperation(referencingTable, [Condition.Uuid(row.Uuid)], mutations));
                }
            }
        }

        ops.AddRange(rows.Select(uuid => new DeleteOperation(table, [Condition.Uuid(uuid)])));
        return ops;
    }
}
