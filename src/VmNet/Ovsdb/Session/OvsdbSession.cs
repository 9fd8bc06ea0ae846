using System.Text.Json;
using Microsoft.Extensions.Logging;
using VmNet.Ovsdb.Errors;
using VmNet.Ovsdb.Operations;
using VmNet.Ovsdb.Rpc;
using VmNet.Ovsdb.Schema;
using VmNet.Ovsdb.Values;
using VmNet.Ovsdb.Wire;

namespace VmNet.Ovsdb.Session;

/// <summary>
/// The OVSDB methods over one connection (no reconnect, no cache): list_dbs, get_schema, transact,
/// monitor_cond, monitor_cond_since, monitor_cancel, echo. <see cref="Client.OvsdbClient"/> builds the
/// reconnecting, caching client on top of it.
/// </summary>
public sealed class OvsdbSession : IAsyncDisposable
{
    private readonly JsonRpcConnection _connection;
    private readonly Dictionary<string, DatabaseSchema> _monitorSchemas = new(StringComparer.Ordinal);
    private readonly Lock _monitorLock = new();

    public OvsdbSession(JsonRpcConnection connection)
    {
        _connection = connection;
        _connection.NotificationHandler = OnNotification;
    }

    /// <summary>Called on the read loop, in wire order, for each update2/update3 notification.</summary>
    public Action<UpdateNotification>? UpdateHandler { get; set; }

    /// <summary>Called on the read loop for other notifications (e.g. the lock methods' <c>locked</c>/<c>stolen</c>).</summary>
    public Action<string, JsonElement>? OtherNotificationHandler { get; set; }

    public Task<Exception> Closed => _connection.Closed;

    public bool IsClosed => _connection.IsClosed;

    public string Description => _connection.Description;

    public static async Task<OvsdbSession> ConnectAsync(
        OvsdbEndpoint endpoint,
        System.Net.Security.SslClientAuthenticationOptions? ssl,
        TimeSpan? probeInterval,
        ILogger? logger,
        CancellationToken cancellationToken)
    {
        var stream = await OvsdbTransport.ConnectAsync(endpoint, ssl, cancellationToken).ConfigureAwait(false);
        var session = new OvsdbSession(new JsonRpcConnection(stream, endpoint.ToString(), probeInterval, logger));
        session.Start();
        return session;
    }

    public void Start() => _connection.Start();

    public Task<IReadOnlyList<string>> ListDatabasesAsync(CancellationToken cancellationToken) =>
        _connection.RequestAsync<IReadOnlyList<string>>(
            "list_dbs",
            w => { w.WriteStartArray(); w.WriteEndArray(); },
            result => result.ValueKind == JsonValueKind.Array && result.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String)
                ? result.EnumerateArray().Select(e => e.GetString()!).ToArray()
                : throw new OvsdbProtocolException($"list_dbs result is not an array of strings: {OvsdbJson.Truncate(result.GetRawText())}"),
            false,
            cancellationToken);

    public Task<DatabaseSchema> GetSchemaAsync(string database, CancellationToken cancellationToken) =>
        _connection.RequestAsync(
            "get_schema",
            w => { w.WriteStartArray(); w.WriteStringValue(database); w.WriteEndArray(); },
            SchemaParser.Parse,
            false,
            cancellationToken);

    public Task<bool> EchoAsync(CancellationToken cancellationToken) =>
        _connection.RequestAsync(
            "echo",
            w => { w.WriteStartArray(); w.WriteStringValue("vmnet"); w.WriteEndArray(); },
            result => result.ValueKind == JsonValueKind.Array,
            false,
            cancellationToken);

    /// <summary>
    /// Commits the operations as one atomic transaction. A failed operation throws
    /// <see cref="OvsdbTransactionException"/>; a lost reply throws <see cref="OvsdbOutcomeUnknownException"/>.
    /// Cancelling sends <c>cancel</c> so a blocking <c>wait</c> is abandoned by the server too.
    /// </summary>
    public Task<TransactionResult> TransactAsync(
        string database,
        IReadOnlyList<OvsdbOperation> operations,
        DatabaseSchema? schema,
        CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfZero(operations.Count);
        return _connection.RequestAsync(
            "transact",
            w =>
            {
                w.WriteStartArray();
                w.WriteStringValue(database);
                foreach (var operation in operations)
                {
                    operation.Write(w);
                }

                w.WriteEndArray();
            },
            result => TransactionResultParser.Parse(result, operations, schema),
            true,
            cancellationToken,
            id => _connection.NotifyAsync("cancel", w => { w.WriteStartArray(); w.WriteNumberValue(id); w.WriteEndArray(); }, CancellationToken.None));
    }

    /// <summary>
    /// Starts a monitor_cond monitor. <paramref name="applyInitial"/> runs on the read loop before any
    /// later notification of this monitor is handled, so a cache never sees them out of order.
    /// </summary>
    public Task<IReadOnlyList<TableUpdate>> MonitorCondAsync(
        DatabaseSchema schema,
        string monitorId,
        IReadOnlyList<MonitorRequest> requests,
        Action<IReadOnlyList<TableUpdate>>? applyInitial,
        CancellationToken cancellationToken)
    {
        RegisterMonitor(monitorId, schema);
        return _connection.RequestAsync<IReadOnlyList<TableUpdate>>(
            "monitor_cond",
            w =>
            {
                w.WriteStartArray();
                w.WriteStringValue(schema.Name);
                w.WriteStringValue(monitorId);
                WriteMonitorRequests(w, requests);
                w.WriteEndArray();
            },
            result =>
            {
                var updates = TableUpdatesParser.Parse(result, schema);
                applyInitial?.Invoke(updates);
                return updates;
            },
            false,
            cancellationToken);
    }

    /// <summary>
    /// Starts a monitor_cond_since monitor: with a known last transaction id the server may send only
    /// what changed since (<see cref="MonitorSinceReply.Found"/>), else the full contents.
    /// </summary>
    public Task<MonitorSinceReply> MonitorCondSinceAsync(
        DatabaseSchema schema,
        string monitorId,
        IReadOnlyList<MonitorRequest> requests,
        Guid? lastTransactionId,
        Action<MonitorSinceReply>? applyReply,
        CancellationToken cancellationToken)
    {
        RegisterMonitor(monitorId, schema);
        return _connection.RequestAsync(
            "monitor_cond_since",
            w =>
            {
                w.WriteStartArray();
                w.WriteStringValue(schema.Name);
                w.WriteStringValue(monitorId);
                WriteMonitorRequests(w, requests);
                w.WriteStringValue(lastTransactionId ?? Guid.Empty);
                w.WriteEndArray();
            },
            result =>
            {
                if (result.ValueKind != JsonValueKind.Array || result.GetArrayLength() != 3
                    || result[0].ValueKind is not (JsonValueKind.True or JsonValueKind.False)
                    || !Guid.TryParse(result[1].GetString(), out var last))
                {
                    throw new OvsdbProtocolException($"monitor_cond_since result is not [found, last-txn-id, updates]: {OvsdbJson.Truncate(result.GetRawText())}");
                }

                var reply = new MonitorSinceReply(result[0].GetBoolean(), last, TableUpdatesParser.Parse(result[2], schema));
                applyReply?.Invoke(reply);
                return reply;
            },
            false,
            cancellationToken);
    }

    public async Task MonitorCancelAsync(string monitorId, CancellationToken cancellationToken)
    {
        await _connection.RequestAsync(
            "monitor_cancel",
            w => { w.WriteStartArray(); w.WriteStringValue(monitorId); w.WriteEndArray(); },
            static _ => true,
            false,
            cancellationToken).ConfigureAwait(false);
        lock (_monitorLock)
        {
            _monitorSchemas.Remove(monitorId);
        }
    }

    /// <summary>Drops the connection from any thread, including the read loop (unlike <see cref="DisposeAsync"/>).</summary>
    public void Abort(Exception reason) => _connection.Abort(reason);

    public ValueTask DisposeAsync() => _connection.DisposeAsync();

    private void RegisterMonitor(string monitorId, DatabaseSchema schema)
    {
        lock (_monitorLock)
        {
            _monitorSchemas[monitorId] = schema;
        }
    }

    private static void WriteMonitorRequests(Utf8JsonWriter w, IReadOnlyList<MonitorRequest> requests)
    {
        w.WriteStartObject();
        foreach (var request in requests)
        {
            w.WritePropertyName(request.Table);
            w.WriteStartArray();
            w.WriteStartObject();
            if (request.Columns is not null)
            {
                w.WritePropertyName("columns");
                w.WriteStartArray();
                foreach (var column in request.Columns)
                {
                    w.WriteStringValue(column);
                }

                w.WriteEndArray();
            }

            if (request.Where is not null)
            {
                w.WritePropertyName("where");
                w.WriteStartArray();
                foreach (var condition in request.Where)
                {
                    w.WriteStartArray();
                    w.WriteStringValue(condition.Column);
                    w.WriteStringValue(condition.Function);
                    OvsdbJson.WriteValue(w, condition.Value);
                    w.WriteEndArray();
                }

                w.WriteEndArray();
            }

            w.WriteEndObject();
            w.WriteEndArray();
        }

        w.WriteEndObject();
    }

    private void OnNotification(string method, JsonElement parameters)
    {
        if (method is not ("update2" or "update3"))
        {
            OtherNotificationHandler?.Invoke(method, parameters);
            return;
        }

        var expected = method == "update2" ? 2 : 3;
        if (parameters.ValueKind != JsonValueKind.Array || parameters.GetArrayLength() != expected)
        {
            throw new OvsdbProtocolException($"{method} params are not a {expected}-element array: {OvsdbJson.Truncate(parameters.GetRawText())}");
        }

        var monitorId = parameters[0].ValueKind == JsonValueKind.String ? parameters[0].GetString()! : parameters[0].GetRawText();
        DatabaseSchema? schema;
        lock (_monitorLock)
        {
            schema = _monitorSchemas.GetValueOrDefault(monitorId);
        }

        if (schema is null)
        {
            return; // a monitor we cancelled; late updates are harmless
        }

        Guid? last = null;
        if (expected == 3)
        {
            last = Guid.TryParse(parameters[1].GetString(), out var g)
                ? g
                : throw new OvsdbProtocolException($"update3 last-txn-id is not a uuid: {parameters[1].GetRawText()}");
        }

        UpdateHandler?.Invoke(new UpdateNotification(monitorId, last, TableUpdatesParser.Parse(parameters[expected - 1], schema)));
    }
}
