using System.Diagnostics;
using Microsoft.Extensions.Logging;
using VmNet.Ovsdb.Cache;
using VmNet.Ovsdb.Errors;
using VmNet.Ovsdb.Operations;
using VmNet.Ovsdb.Schema;
using VmNet.Ovsdb.Session;

namespace VmNet.Ovsdb.Client;

/// <summary>
/// The server's own view of our database, from its <c>_Server</c> database, checked the way ovsdb-idl does.
/// A clustered server answers before it is of use: right after a restart it serves what its log had committed,
/// and a transaction that was committed but whose commit record had not reached the log only reappears once the
/// server has rejoined (or re-elected itself). Resuming from such a server would take its older state for the
/// truth. So a session starts its cache monitor only on a server that is connected to its cluster, is the leader
/// when <see cref="OvsdbClientOptions.LeaderOnly"/>, and has applied at least the log index we saw before.
/// </summary>
public sealed partial class OvsdbClient
{
    private const string ServerMonitorId = "vmnet-server";
    private static readonly string[] ServerColumns = ["name", "model", "connected", "leader", "index"];

    private readonly Lock _serverStateLock = new();
    private OvsdbCache? _serverCache;
    private bool _serverDatabaseAbsent;
    private long _highestAppliedIndex;

    /// <summary>The highest raft log index the servers reported as applied for our clustered database (0 otherwise).</summary>
    public long HighestAppliedIndex => Interlocked.Read(ref _highestAppliedIndex);

    private async Task EnsureServerUsableAsync(OvsdbSession session, CancellationToken cancellationToken)
    {
        var cache = await ServerCacheAsync(session, cancellationToken).ConfigureAwait(false);
        if (cache is null)
        {
            return;
        }

        await session.MonitorCondAsync(
            cache.Schema,
            ServerMonitorId,
            [new MonitorRequest("Database", ServerColumns, [Condition.Equal("name", Database)])],
            updates => ApplyServerState(cache, updates, resync: true),
            cancellationToken).ConfigureAwait(false);

        // With one endpoint the only way on is to wait for this server; with several, the next may be usable now.
        var patience = _options.Endpoints.Count == 1 ? _options.ServerReadyTimeout : TimeSpan.Zero;
        var waited = Stopwatch.StartNew();
        while (true)
        {
            var problem = ServerProblem(cache);
            if (problem is null)
            {
                return;
            }

            if (waited.Elapsed >= patience || session.IsClosed)
            {
                throw new OvsdbServerNotUsableException($"OVSDB {Database} at {session.Description} is not usable: {problem}");
            }

            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The _Server cache, created on first use; null when the server has no _Server database (before OVS 2.9).</summary>
    private async Task<OvsdbCache?> ServerCacheAsync(OvsdbSession session, CancellationToken cancellationToken)
    {
        if (_serverDatabaseAbsent || _serverCache is not null)
        {
            return _serverCache;
        }

        DatabaseSchema schema;
        try
        {
            schema = await session.GetSchemaAsync("_Server", cancellationToken).ConfigureAwait(false);
        }
        catch (OvsdbRpcException ex)
        {
            _logger.LogInformation("OVSDB {Database}: the server has no _Server database ({Error}); cluster state is not checked", Database, ex.Error);
            _serverDatabaseAbsent = true;
            return null;
        }

        _serverCache = new OvsdbCache(schema, ["Database"], _logger);
        return _serverCache;
    }

    /// <summary>Runs on the session's read loop for the initial reply and each later _Server update.</summary>
    private void ApplyServerState(OvsdbCache cache, IReadOnlyList<TableUpdate> updates, bool resync)
    {
        lock (_serverStateLock)
        {
            if (resync)
            {
                cache.Resync(updates, null);
            }
            else
            {
                cache.Apply(updates, null);
            }
        }
    }

    private void OnServerUpdate(OvsdbSession session, UpdateNotification notification)
    {
        var cache = _serverCache;
        if (cache is null)
        {
            return;
        }

        ApplyServerState(cache, notification.Updates, resync: false);
        bool active;
        lock (_stateLock)
        {
            active = ReferenceEquals(_session, session);
        }

        if (!active)
        {
            return;
        }

        if (ServerProblem(cache) is { } problem)
        {
            // As ovsdb-idl: a leader that steps down, or a member that loses its cluster, is left for another.
            _logger.LogWarning("OVSDB {Database}: {Connection} is no longer usable ({Problem}); reconnecting", Database, session.Description, problem);
            session.Abort(new OvsdbServerNotUsableException($"OVSDB {Database} at {session.Description} is no longer usable: {problem}"));
        }
    }

    /// <summary>Why the server may not be used now, or null; records the highest applied index it reports.</summary>
    private string? ServerProblem(OvsdbCache cache)
    {
        OvsdbRow? row;
        lock (_serverStateLock)
        {
            row = cache.Rows("Database").FirstOrDefault(r => r.GetString("name") == Database);
        }

        if (row is null)
        {
            return $"its _Server database does not list {Database}";
        }

        var model = row.GetString("model");
        if (model == "standalone")
        {
            return null;
        }

        if (!row.GetBoolean("connected"))
        {
            return $"the {model} database is not connected to its source";
        }

        if (model == "clustered" && _options.LeaderOnly && !row.GetBoolean("leader"))
        {
            return "not the cluster leader";
        }

        if (row["index"] is long index)
        {
            var highest = Interlocked.Read(ref _highestAppliedIndex);
            if (index < highest)
            {
                return $"it has applied the log up to index {index}, behind index {highest} seen before";
            }

            while (index > highest && Interlocked.CompareExchange(ref _highestAppliedIndex, index, highest) != highest)
            {
                highest = Interlocked.Read(ref _highestAppliedIndex);
            }
        }

        return null;
    }
}
