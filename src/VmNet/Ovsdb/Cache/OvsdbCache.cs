using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using VmNet.Ovsdb.Errors;
using VmNet.Ovsdb.Schema;
using VmNet.Ovsdb.Session;
using VmNet.Ovsdb.Typed;

namespace VmNet.Ovsdb.Cache;

/// <summary>
/// The client-side copy of the monitored tables, fed by the monitor: rows per table, indexes by
/// <c>name</c> and by <c>external_ids</c> pairs, and change events. Reads are safe from any thread.
/// After a reconnect a full resync is turned into a diff, so subscribers see only real changes.
/// </summary>
public sealed class OvsdbCache : IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, TableCache> _tables = new(StringComparer.Ordinal);
    private readonly ChangeDispatcher _dispatcher;
    private long _version;

    public OvsdbCache(DatabaseSchema schema, IEnumerable<string>? tables = null, ILogger? logger = null)
    {
        Schema = schema;
        var strings = new StringPool();
        foreach (var name in tables ?? schema.Tables.Keys)
        {
            _tables[name] = new TableCache(schema.GetTable(name), strings);
        }

        _dispatcher = new ChangeDispatcher(logger ?? NullLogger.Instance);
    }

    public DatabaseSchema Schema { get; }

    public IReadOnlyCollection<string> Tables => _tables.Keys;

    /// <summary>The newest transaction id seen (update3 / monitor_cond_since), used to resume after a reconnect.</summary>
    public Guid? LastTransactionId { get; internal set; }

    /// <summary>Bumped on every applied batch; lets callers detect that something changed.</summary>
    public long Version => Interlocked.Read(ref _version);

    /// <summary>Subscribes to changes of one table (or all when <paramref name="table"/> is null), delivered in order on a background task.</summary>
    public IDisposable Subscribe(Action<RowChange> handler, string? table = null)
    {
        if (table is not null && !_tables.ContainsKey(table))
        {
            throw new ArgumentException($"table '{table}' is not monitored by this cache", nameof(table));
        }

        return _dispatcher.Subscribe(handler, table);
    }

    public int Count(string table)
    {
        lock (_lock)
        {
            return Table(table).Rows.Count;
        }
    }

    public IReadOnlyList<OvsdbRow> Rows(string table)
    {
        lock (_lock)
        {
            return Table(table).Rows.Values.ToArray();
        }
    }

    public OvsdbRow? Get(string table, Guid uuid)
    {
        lock (_lock)
        {
            return Table(table).Get(uuid);
        }
    }

    public IReadOnlyList<OvsdbRow> FindByName(string table, string name)
    {
        lock (_lock)
        {
            return Table(table).FindByName(name);
        }
    }

    public IReadOnlyList<OvsdbRow> FindByExternalId(string table, string key, string value)
    {
        lock (_lock)
        {
            return Table(table).FindByExternalId(key, value);
        }
    }

    public IReadOnlyList<T> Rows<T>()
        where T : IOvsdbTypedRow<T> => Rows(T.TableName).Select(T.FromRow).ToArray();

    public T? Get<T>(Guid uuid)
        where T : class, IOvsdbTypedRow<T> => Get(T.TableName, uuid) is { } row ? T.FromRow(row) : null;

    public IReadOnlyList<T> FindByName<T>(string name)
        where T : IOvsdbTypedRow<T> => FindByName(T.TableName, name).Select(T.FromRow).ToArray();

    /// <summary>Completes with the first row of the table that matches, now or when a change brings one.</summary>
    public async Task<OvsdbRow> WaitForRowAsync(string table, Func<OvsdbRow, bool> predicate, CancellationToken cancellationToken)
    {
        var found = new TaskCompletionSource<OvsdbRow>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = Subscribe(
            change =>
            {
                if (change.New is { } row && predicate(row))
                {
                    found.TrySetResult(row);
                }
            },
            table);
        if (Rows(table).FirstOrDefault(predicate) is { } existing)
        {
            return existing;
        }

        return await found.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync() => _dispatcher.DisposeAsync();

    /// <summary>Applies monitor updates (initial contents or incremental changes) and publishes the changes.</summary>
    internal void Apply(IReadOnlyList<TableUpdate> updates, Guid? lastTransactionId)
    {
        var changes = new List<RowChange>();
        lock (_lock)
        {
            foreach (var update in updates)
            {
                if (!_tables.TryGetValue(update.Table.Name, out var table))
                {
                    continue;
                }

                foreach (var row in update.Rows)
                {
                    ApplyRow(table, row, changes);
                }
            }

            if (lastTransactionId is not null)
            {
                LastTransactionId = lastTransactionId;
            }

            Interlocked.Increment(ref _version);
        }

        _dispatcher.Publish(changes);
    }

    /// <summary>
    /// Replaces the contents with a full snapshot (a monitor restarted without history) and publishes
    /// only the differences from what was cached before.
    /// </summary>
    internal void Resync(IReadOnlyList<TableUpdate> snapshot, Guid? lastTransactionId)
    {
        var changes = new List<RowChange>();
        lock (_lock)
        {
            var byTable = snapshot.ToDictionary(u => u.Table.Name, StringComparer.Ordinal);
            foreach (var (name, table) in _tables)
            {
                var fresh = byTable.TryGetValue(name, out var update)
                    ? update.Rows.Where(r => r.Values is not null).ToDictionary(r => r.Uuid)
                    : [];
                foreach (var old in table.Rows.Values.ToArray())
                {
                    if (!fresh.ContainsKey(old.Uuid))
                    {
                        table.Remove(old.Uuid);
                        changes.Add(new RowChange(RowChangeKind.Delete, name, old, null));
                    }
                }

                foreach (var row in fresh.Values)
                {
                    var old = table.Get(row.Uuid);
                    if (old is not null && RowDiff.SameValues(old.Values, row.Values!))
                    {
                        continue;
                    }

                    table.Put(row.Uuid, row.Values!);
                    changes.Add(new RowChange(old is null ? RowChangeKind.Insert : RowChangeKind.Update, name, old, table.Get(row.Uuid)));
                }
            }

            LastTransactionId = lastTransactionId;
            Interlocked.Increment(ref _version);
        }

        _dispatcher.Publish(changes);
    }

    private static void ApplyRow(TableCache table, RowUpdate update, List<RowChange> changes)
    {
        var name = table.Schema.Name;
        switch (update.Kind)
        {
            case RowUpdateKind.Initial:
            case RowUpdateKind.Insert:
                var replaced = table.Put(update.Uuid, update.Values!);
                changes.Add(new RowChange(replaced is null ? RowChangeKind.Insert : RowChangeKind.Update, name, replaced, table.Get(update.Uuid)));
                break;
            case RowUpdateKind.Modify:
                var old = table.Get(update.Uuid)
                    ?? throw new OvsdbProtocolException($"modify of {name}/{update.Uuid}, a row the cache does not have");
                table.Put(update.Uuid, RowDiff.Apply(table.Schema, update.Uuid, old.Values, update.Values!));
                changes.Add(new RowChange(RowChangeKind.Update, name, old, table.Get(update.Uuid)));
                break;
            case RowUpdateKind.Delete:
                if (table.Remove(update.Uuid) is { } removed)
                {
                    changes.Add(new RowChange(RowChangeKind.Delete, name, removed, null));
                }

                break;
        }
    }

    private TableCache Table(string name) =>
        _tables.TryGetValue(name, out var table)
            ? table
            : throw new ArgumentException($"table '{name}' is not monitored by this cache", nameof(name));
}
