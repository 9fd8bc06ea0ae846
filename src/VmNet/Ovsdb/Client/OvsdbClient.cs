using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.Retry;
using VmNet.Ovsdb.Cache;
using VmNet.Ovsdb.Errors;
using VmNet.Ovsdb.Operations;
using VmNet.Ovsdb.Schema;
using VmNet.Ovsdb.Session;

namespace VmNet.Ovsdb.Client;

/// <summary>
/// The client the rest of VmNet uses: one database, a monitor-fed <see cref="Cache"/>, and
/// transactions. When the connection drops it reconnects with exponential backoff (Polly), resumes
/// the monitor from the last transaction id (or resyncs fully and publishes only the differences),
/// and transactions issued meanwhile wait for the new connection and are sent once.
/// </summary>
public sealed partial class OvsdbClient : IAsyncDisposable
{
    private const string MonitorId = "vmnet-cache";

    private readonly OvsdbClientOptions _options;
    private readonly ILogger _logger;
    private readonly ResiliencePipeline _reconnectPipeline;
    private readonly CancellationTokenSource _lifetime = new();
    private readonly Lock _stateLock = new();
    private TaskCompletionSource<OvsdbSession> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private OvsdbSession? _session;
    private Task? _supervisor;
    private int _nextEndpoint;
    private bool _monitorCondSinceSupported = true;
    private long _reconnects;
    private long _fullResyncs;
    private long _resumes;

    private OvsdbClient(OvsdbClientOptions options, DatabaseSchema schema)
    {
        _options = options;
        _logger = options.Logger ?? NullLogger.Instance;
        Schema = schema;
        Cache = new OvsdbCache(schema, options.Tables, _logger);
        _monitorCondSinceSupported = options.PreferMonitorCondSince;
        _reconnectPipeline = BuildRetryPipeline(options, _logger, "reconnect");
    }

    public DatabaseSchema Schema { get; }

    public OvsdbCache Cache { get; }

    public string Database => _options.Database;

    public bool IsConnected => _ready.Task.IsCompletedSuccessfully && !_ready.Task.Result.IsClosed;

    /// <summary>The server the client is connected to now (e.g. <c>unix:/run/ovn/ovnnb_db.sock</c>), or null during an outage.</summary>
    public string? CurrentServer
    {
        get
        {
            lock (_stateLock)
            {
                return _session is { IsClosed: false } session ? session.Description : null;
            }
        }
    }

    /// <summary>How many times the connection was re-established after a loss.</summary>
    public long Reconnects => Interlocked.Read(ref _reconnects);

    /// <summary>Reconnects that re-read all monitored rows and diffed them against the cache.</summary>
    public long FullResyncs => Interlocked.Read(ref _fullResyncs);

    /// <summary>Reconnects where the server resumed from our last transaction id (monitor_cond_since found it).</summary>
    public long Resumes => Interlocked.Read(ref _resumes);

    /// <summary>
    /// Connects, fetches the schema, and fills the cache before returning. The first connection is
    /// retried with backoff only when <see cref="OvsdbClientOptions.RetryInitialConnection"/> is set.
    /// </summary>
    public static async Task<OvsdbClient> ConnectAsync(OvsdbClientOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Endpoints.Count == 0)
        {
            throw new ArgumentException("OvsdbClientOptions.Endpoints is empty", nameof(options));
        }

        if (!options.RetryInitialConnection)
        {
            return await ConnectOnceAsync(options, options.Endpoints[0], cancellationToken).ConfigureAwait(false);
        }

        var pipeline = BuildRetryPipeline(options, options.Logger ?? NullLogger.Instance, "initial connection");
        var attempt = 0;
        return await pipeline.ExecuteAsync(
            async token => await ConnectOnceAsync(options, options.Endpoints[attempt++ % options.Endpoints.Count], token).ConfigureAwait(false),
            cancellationToken).ConfigureAwait(false);
    }

    private static async Task<OvsdbClient> ConnectOnceAsync(OvsdbClientOptions options, Wire.OvsdbEndpoint endpoint, CancellationToken cancellationToken)
    {
        var session = await OvsdbSession.ConnectAsync(endpoint, options.Ssl, options.ProbeInterval, options.Logger, cancellationToken).ConfigureAwait(false);
        OvsdbClient? client = null;
        try
        {
            var schema = await session.GetSchemaAsync(options.Database, cancellationToken).ConfigureAwait(false);
            client = new OvsdbClient(options, schema);
            await client.StartMonitorAsync(session, initial: true, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await session.DisposeAsync().ConfigureAwait(false);
            if (client is not null)
            {
                await client.Cache.DisposeAsync().ConfigureAwait(false);
                if (client._serverCache is not null)
                {
                    await client._serverCache.DisposeAsync().ConfigureAwait(false);
                }
            }

            throw;
        }

        client.Activate(session);
        client._supervisor = Task.Run(client.SuperviseAsync);
        return client;
    }

    private static ResiliencePipeline BuildRetryPipeline(OvsdbClientOptions options, ILogger logger, string what) =>
        new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<OvsdbException>().Handle<IOException>(),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.ReconnectInitialDelay,
                MaxDelay = options.ReconnectMaxDelay,
                MaxRetryAttempts = int.MaxValue,
                OnRetry = args =>
                {
                    logger.LogWarning("OVSDB {Database}: {What} attempt {Attempt} failed ({Error}); next in {Delay}", options.Database, what, args.AttemptNumber + 1, args.Outcome.Exception?.Message, args.RetryDelay);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();

    /// <summary>Waits until a connection with a synchronised cache is available.</summary>
    public async Task WaitConnectedAsync(CancellationToken cancellationToken) => await CurrentSessionAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Commits the operations as one transaction. During an outage it waits for the reconnection.
    /// Throws <see cref="OvsdbTransactionException"/> (or its constraint subtype) when an operation
    /// fails, <see cref="OvsdbOutcomeUnknownException"/> when the connection drops after sending.
    /// </summary>
    public async Task<TransactionResult> TransactAsync(IReadOnlyList<OvsdbOperation> operations, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operations);
        while (true)
        {
            var session = await CurrentSessionAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                return await session.TransactAsync(_options.Database, operations, Schema, cancellationToken).ConfigureAwait(false);
            }
            catch (OvsdbConnectionException ex) when (ex is not OvsdbOutcomeUnknownException && session.IsClosed)
            {
                // The session closed before the request was written: safe to send on the next connection.
            }
        }
    }

    /// <summary>Reads rows from the server itself (not the cache) with a one-op select transaction.</summary>
    public async Task<IReadOnlyList<IReadOnlyDictionary<string, object?>>> SelectAsync(
        string table, IReadOnlyList<Condition> where, IReadOnlyList<string>? columns, CancellationToken cancellationToken)
    {
        var result = await TransactAsync([new SelectOperation(table, where, columns)], cancellationToken).ConfigureAwait(false);
        return result.Results[0].Rows ?? [];
    }

    public async Task<IReadOnlyList<string>> ListDatabasesAsync(CancellationToken cancellationToken)
    {
        var session = await CurrentSessionAsync(cancellationToken).ConfigureAwait(false);
        return await session.ListDatabasesAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<DatabaseSchema> GetSchemaAsync(string database, CancellationToken cancellationToken)
    {
        var session = await CurrentSessionAsync(cancellationToken).ConfigureAwait(false);
        return await session.GetSchemaAsync(database, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _lifetime.CancelAsync().ConfigureAwait(false);
        if (_supervisor is not null)
        {
            await _supervisor.ConfigureAwait(false);
        }

        OvsdbSession? session;
        lock (_stateLock)
        {
            session = _session;
            _session = null;
            if (_ready.TrySetException(new ObjectDisposedException(nameof(OvsdbClient))))
            {
                _ = _ready.Task.Exception; // observed: waiters see it, nobody else must
            }
        }

        if (session is not null)
        {
            await session.DisposeAsync().ConfigureAwait(false);
        }

        await Cache.DisposeAsync().ConfigureAwait(false);
        if (_serverCache is not null)
        {
            await _serverCache.DisposeAsync().ConfigureAwait(false);
        }

        _lifetime.Dispose();
    }

    private async Task<OvsdbSession> CurrentSessionAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            ObjectDisposedException.ThrowIf(_lifetime.IsCancellationRequested, this);
            Task<OvsdbSession> ready;
            lock (_stateLock)
            {
                ready = _ready.Task;
            }

            var session = await ready.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (!session.IsClosed)
            {
                return session;
            }

            // Lost but not yet noticed by the supervisor: give it a moment to start reconnecting.
            await Task.Delay(10, cancellationToken).ConfigureAwait(false);
        }
    }

    private void Activate(OvsdbSession session)
    {
        lock (_stateLock)
        {
            _session = session;
            if (!_ready.TrySetResult(session))
            {
                _ready = new TaskCompletionSource<OvsdbSession>(TaskCreationOptions.RunContinuationsAsynchronously);
                _ready.SetResult(session);
            }
        }
    }

    private async Task SuperviseAsync()
    {
        var token = _lifetime.Token;
        while (!token.IsCancellationRequested)
        {
            OvsdbSession session;
            lock (_stateLock)
            {
                session = _session!;
            }

            Exception reason;
            try
            {
                reason = await session.Closed.WaitAsync(token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            _logger.LogWarning("OVSDB {Database}: connection {Connection} lost: {Reason}", Database, session.Description, reason.Message);
            lock (_stateLock)
            {
                _ready = new TaskCompletionSource<OvsdbSession>(TaskCreationOptions.RunContinuationsAsynchronously);
                _session = null;
            }

            await session.DisposeAsync().ConfigureAwait(false);
            try
            {
                var fresh = await _reconnectPipeline.ExecuteAsync(ReconnectOnceAsync, token).ConfigureAwait(false);
                Interlocked.Increment(ref _reconnects);
                Activate(fresh);
                _logger.LogInformation("OVSDB {Database}: reconnected to {Connection}", Database, fresh.Description);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private async ValueTask<OvsdbSession> ReconnectOnceAsync(CancellationToken cancellationToken)
    {
        var endpoint = _options.Endpoints[Interlocked.Increment(ref _nextEndpoint) % _options.Endpoints.Count];
        var session = await OvsdbSession.ConnectAsync(endpoint, _options.Ssl, _options.ProbeInterval, _options.Logger, cancellationToken).ConfigureAwait(false);
        try
        {
            await StartMonitorAsync(session, initial: false, cancellationToken).ConfigureAwait(false);
            return session;
        }
        catch
        {
            await session.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Starts the cache monitor on a new session. The reply is applied on the read loop, before any
    /// update notification that follows it, so the cache never sees updates out of order.
    /// </summary>
    private async Task StartMonitorAsync(OvsdbSession session, bool initial, CancellationToken cancellationToken)
    {
        session.UpdateHandler = n =>
        {
            if (n.MonitorId == ServerMonitorId)
            {
                OnServerUpdate(session, n);
            }
            else
            {
                Cache.Apply(n.Updates, n.LastTransactionId);
            }
        };
        await EnsureServerUsableAsync(session, cancellationToken).ConfigureAwait(false);
        var requests = Cache.Tables.Select(t => new MonitorRequest(t)).ToArray();
        if (_monitorCondSinceSupported)
        {
            try
            {
                var since = initial ? null : Cache.LastTransactionId;
                await session.MonitorCondSinceAsync(
                    Schema,
                    MonitorId,
                    requests,
                    since,
                    reply =>
                    {
                        if (initial || reply.Found)
                        {
                            Cache.Apply(reply.Updates, reply.LastTransactionId);
                            if (!initial)
                            {
                                Interlocked.Increment(ref _resumes);
                            }
                        }
                        else
                        {
                            Cache.Resync(reply.Updates, reply.LastTransactionId);
                            Interlocked.Increment(ref _fullResyncs);
                        }

                        _logger.LogDebug("OVSDB {Database}: monitor_cond_since found={Found} since={Since}", Database, reply.Found, since);
                    },
                    cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (OvsdbRpcException ex) when (ex.Error == "unknown method")
            {
                _logger.LogInformation("OVSDB {Database}: monitor_cond_since unsupported ({Error}); using monitor_cond", Database, ex.Error);
                _monitorCondSinceSupported = false;
            }
        }

        await session.MonitorCondAsync(
            Schema,
            MonitorId,
            requests,
            updates =>
            {
                if (initial)
                {
                    Cache.Apply(updates, null);
                }
                else
                {
                    Cache.Resync(updates, null);
                    Interlocked.Increment(ref _fullResyncs);
                }
            },
            cancellationToken).ConfigureAwait(false);
    }
}
