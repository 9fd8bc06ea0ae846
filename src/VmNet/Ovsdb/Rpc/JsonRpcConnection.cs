using System.Buffers;
using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using VmNet.Ovsdb.Errors;
using VmNet.Ovsdb.Values;
using VmNet.Ovsdb.Wire;

namespace VmNet.Ovsdb.Rpc;

/// <summary>
/// JSON-RPC 1.0 over one OVSDB stream (RFC 7047 section 4): requests matched to replies by id,
/// notifications handed to <see cref="NotificationHandler"/> in wire order on the read loop,
/// the server's <c>echo</c> answered, and an echo probe of our own when the line is idle.
/// </summary>
public sealed class JsonRpcConnection : IAsyncDisposable
{
    private readonly Stream _stream;
    private readonly ILogger _logger;
    private readonly TimeSpan? _probeInterval;
    private readonly ConcurrentDictionary<long, PendingRequest> _pending = new();
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly CancellationTokenSource _lifetime = new();
    private readonly TaskCompletionSource<Exception> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _nextId;
    private long _lastReceiveTicks = Environment.TickCount64;
    private Task? _readLoop;
    private Task? _probeLoop;

    public JsonRpcConnection(Stream stream, string description, TimeSpan? probeInterval = null, ILogger? logger = null)
    {
        _stream = stream;
        Description = description;
        _probeInterval = probeInterval;
        _logger = logger ?? NullLogger.Instance;
    }

    public string Description { get; }

    /// <summary>Called on the read loop for each notification (method, params) in wire order.</summary>
    public Action<string, JsonElement>? NotificationHandler { get; set; }

    /// <summary>Completes with the reason once the connection is closed (never faults).</summary>
    public Task<Exception> Closed => _closed.Task;

    public bool IsClosed => _closed.Task.IsCompleted;

    public void Start()
    {
        _readLoop = Task.Run(ReadLoopAsync);
        if (_probeInterval is { } interval && interval > TimeSpan.Zero)
        {
            _probeLoop = Task.Run(() => ProbeLoopAsync(interval));
        }
    }

    /// <summary>Sends a request and parses its result on arrival.</summary>
    /// <param name="outcomeMatters">True if losing the reply leaves the server state unknown (transact).</param>
    /// <param name="onCancelled">Called with the request id when the caller cancels (to send <c>cancel</c>).</param>
    public async Task<T> RequestAsync<T>(
        string method,
        Action<Utf8JsonWriter> writeParams,
        Func<JsonElement, T> parseResult,
        bool outcomeMatters,
        CancellationToken cancellationToken,
        Func<long, Task>? onCancelled = null)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var id = Interlocked.Increment(ref _nextId);

        // Serialise first: a value that cannot be encoded is the caller's error, and nothing was sent.
        var message = Serialize(w => WriteRequest(w, method, writeParams, id));
        var pending = new PendingRequest<T>(method, outcomeMatters, parseResult);
        _pending[id] = pending;
        if (_closed.Task.IsCompleted && _pending.TryRemove(id, out _))
        {
            throw new OvsdbConnectionException($"OVSDB connection {Description} is closed", _closed.Task.Result);
        }

        try
        {
            await WriteBytesAsync(message, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            _pending.TryRemove(id, out _);
            if (ex is OperationCanceledException)
            {
                throw;
            }

            // A partial write may have reached the server: treat like a lost reply.
            throw LostReply(pending, ex);
        }

        await using (cancellationToken.Register(() =>
        {
            if (_pending.TryRemove(id, out var p))
            {
                p.Cancel(cancellationToken);
                if (onCancelled is not null)
                {
                    ObserveFailure(onCancelled(id), "cancel");
                }
            }
        }).ConfigureAwait(false))
        {
            return await pending.Task.ConfigureAwait(false);
        }
    }

    /// <summary>Sends a notification (a request with a null id, no reply expected).</summary>
    public Task NotifyAsync(string method, Action<Utf8JsonWriter> writeParams, CancellationToken cancellationToken) =>
        WriteMessageAsync(
            w =>
            {
                w.WriteStartObject();
                w.WriteString("method", method);
                w.WritePropertyName("params");
                writeParams(w);
                w.WriteNull("id");
                w.WriteEndObject();
            },
            cancellationToken);

    public async ValueTask DisposeAsync()
    {
        Close(new OvsdbConnectionException($"OVSDB connection {Description} was closed by the client"));
        foreach (var loop in new[] { _readLoop, _probeLoop })
        {
            if (loop is not null)
            {
                await loop.ConfigureAwait(false);
            }
        }

        _lifetime.Dispose();
        _writeLock.Dispose();
    }

    private static void WriteRequest(Utf8JsonWriter w, string method, Action<Utf8JsonWriter> writeParams, long id)
    {
        w.WriteStartObject();
        w.WriteString("method", method);
        w.WritePropertyName("params");
        writeParams(w);
        w.WriteNumber("id", id);
        w.WriteEndObject();
    }

    private static ReadOnlyMemory<byte> Serialize(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true }))
        {
            write(writer);
        }

        return buffer.WrittenMemory;
    }

    private Task WriteMessageAsync(Action<Utf8JsonWriter> write, CancellationToken cancellationToken) =>
        WriteBytesAsync(Serialize(write), cancellationToken);

    private async Task WriteBytesAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _lifetime.Token);
        await _writeLock.WaitAsync(linked.Token).ConfigureAwait(false);
        try
        {
            await _stream.WriteAsync(message, linked.Token).ConfigureAwait(false);
            await _stream.FlushAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new OvsdbConnectionException($"OVSDB connection {Description} is closed", _closed.Task.IsCompleted ? _closed.Task.Result : null);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or NotSupportedException)
        {
            var error = new OvsdbConnectionException($"OVSDB connection {Description} failed while writing: {ex.Message}", ex);
            Close(error);
            throw error;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async Task ReadLoopAsync()
    {
        var framer = new JsonValueFramer();
        try
        {
            while (true)
            {
                var memory = framer.GetWriteBuffer();
                var read = await _stream.ReadAsync(memory, _lifetime.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    throw framer.HasPartialValue
                        ? new OvsdbProtocolException($"OVSDB connection {Description} closed in the middle of a JSON value (truncated message)")
                        : new OvsdbConnectionException($"OVSDB connection {Description} was closed by the server");
                }

                Volatile.Write(ref _lastReceiveTicks, Environment.TickCount64);
                framer.Advance(read);
                while (framer.TryReadValue(out var value))
                {
                    Dispatch(value);
                }
            }
        }
        catch (OperationCanceledException) when (_lifetime.IsCancellationRequested)
        {
            // Closed by us; the reason is already recorded.
        }
        catch (OvsdbException ex)
        {
            Close(ex);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or System.Net.Sockets.SocketException)
        {
            Close(new OvsdbConnectionException($"OVSDB connection {Description} failed: {ex.Message}", ex));
        }
        catch (Exception ex)
        {
            // A notification the handler could not apply leaves the consumer out of sync: drop the
            // connection so the reconnect path resynchronises from scratch.
            Close(new OvsdbProtocolException($"OVSDB connection {Description}: cannot process a message: {ex.Message}", ex));
        }
    }

    private void Dispatch(ReadOnlyMemory<byte> value)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(value, new JsonDocumentOptions { MaxDepth = 256 });
        }
        catch (JsonException ex)
        {
            throw new OvsdbProtocolException($"OVSDB connection {Description} received invalid JSON: {ex.Message}", ex);
        }

        using (document)
        {
            var message = document.RootElement;
            if (message.ValueKind != JsonValueKind.Object)
            {
                throw new OvsdbProtocolException($"OVSDB connection {Description} received a {message.ValueKind} instead of a JSON-RPC object");
            }

            if (message.TryGetProperty("method", out var methodJson))
            {
                if (methodJson.ValueKind != JsonValueKind.String)
                {
                    throw new OvsdbProtocolException($"JSON-RPC 'method' is not a string: {OvsdbJson.Truncate(message.GetRawText())}");
                }

                HandleIncomingRequest(methodJson.GetString()!, message);
                return;
            }

            HandleReply(message);
        }
    }

    private void HandleIncomingRequest(string method, JsonElement message)
    {
        var parameters = message.TryGetProperty("params", out var p) ? p : default;
        var hasId = message.TryGetProperty("id", out var id) && id.ValueKind != JsonValueKind.Null;
        if (!hasId)
        {
            NotificationHandler?.Invoke(method, parameters);
            return;
        }

        // Replies to server requests are queued, not awaited, so the read loop never blocks on a write.
        var idText = id.GetRawText();
        var paramsText = parameters.ValueKind == JsonValueKind.Undefined ? "[]" : parameters.GetRawText();
        var isEcho = method == "echo";
        ObserveFailure(WriteMessageAsync(
            w =>
            {
                w.WriteStartObject();
                if (isEcho)
                {
                    w.WritePropertyName("result");
                    w.WriteRawValue(paramsText, skipInputValidation: true);
                    w.WriteNull("error");
                }
                else
                {
                    w.WriteNull("result");
                    w.WriteString("error", "unknown method");
                }

                w.WritePropertyName("id");
                w.WriteRawValue(idText, skipInputValidation: true);
                w.WriteEndObject();
            },
            CancellationToken.None), "reply to " + method);
    }

    // Best-effort messages (echo replies, cancel) may fail when the connection is closing; that is
    // already reported through Closed, so the failure is only logged.
    private void ObserveFailure(Task task, string what) =>
        task.ContinueWith(
            t => _logger.LogDebug(t.Exception, "OVSDB {Connection}: {What} not sent", Description, what),
            CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted,
            TaskScheduler.Default);

    private void HandleReply(JsonElement message)
    {
        if (!message.TryGetProperty("id", out var idJson) || idJson.ValueKind == JsonValueKind.Null)
        {
            throw new OvsdbProtocolException($"JSON-RPC message has neither 'method' nor an 'id': {OvsdbJson.Truncate(message.GetRawText())}");
        }

        if (!idJson.TryGetInt64(out var id) || !_pending.TryRemove(id, out var pending))
        {
            _logger.LogDebug("OVSDB {Connection}: reply to unknown request id {Id}", Description, idJson.GetRawText());
            return;
        }

        if (message.TryGetProperty("error", out var error) && error.ValueKind != JsonValueKind.Null)
        {
            pending.Fail(ToRpcException(pending.Method, error));
            return;
        }

        if (!message.TryGetProperty("result", out var result))
        {
            pending.Fail(new OvsdbProtocolException($"reply to {pending.Method} has neither 'result' nor 'error'"));
            return;
        }

        pending.Complete(result);
    }

    private static OvsdbRpcException ToRpcException(string method, JsonElement error)
    {
        if (error.ValueKind == JsonValueKind.String)
        {
            return new OvsdbRpcException(method, error.GetString()!, null);
        }

        if (error.ValueKind == JsonValueKind.Object)
        {
            var tag = error.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString()! : error.GetRawText();
            var details = error.TryGetProperty("details", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null;
            return new OvsdbRpcException(method, tag, details);
        }

        return new OvsdbRpcException(method, error.GetRawText(), null);
    }

    private async Task ProbeLoopAsync(TimeSpan interval)
    {
        try
        {
            while (!_lifetime.IsCancellationRequested)
            {
                await Task.Delay(interval, _lifetime.Token).ConfigureAwait(false);
                var idle = TimeSpan.FromMilliseconds(Environment.TickCount64 - Volatile.Read(ref _lastReceiveTicks));
                if (idle < interval)
                {
                    continue;
                }

                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_lifetime.Token);
                timeout.CancelAfter(interval);
                try
                {
                    await RequestAsync("echo", w => { w.WriteStartArray(); w.WriteEndArray(); }, static _ => true, false, timeout.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!_lifetime.IsCancellationRequested)
                {
                    Close(new OvsdbConnectionException($"OVSDB connection {Description}: no reply to echo within {interval.TotalSeconds:0.#} s"));
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (OvsdbException)
        {
            // The connection closed under the probe; the read loop records why.
        }
    }

    /// <summary>Drops the connection now: pending requests fail with <paramref name="reason"/> and <see cref="Closed"/> completes.</summary>
    public void Abort(Exception reason) => Close(reason);

    private void Close(Exception reason)
    {
        if (!_closed.TrySetResult(reason))
        {
            return;
        }

        _logger.LogDebug(reason, "OVSDB connection {Connection} closed", Description);
        _lifetime.Cancel();
        _stream.Dispose();
        foreach (var id in _pending.Keys)
        {
            if (_pending.TryRemove(id, out var pending))
            {
                pending.Fail(LostReply(pending, reason));
            }
        }
    }

    private OvsdbException LostReply(PendingRequest pending, Exception reason) =>
        pending.OutcomeMatters
            ? new OvsdbOutcomeUnknownException(
                $"OVSDB connection {Description} was lost before the reply to {pending.Method}; the outcome is unknown: {reason.Message}", reason)
            : reason as OvsdbProtocolException is { } protocol
                ? new OvsdbProtocolException(protocol.Message, protocol)
                : new OvsdbConnectionException($"OVSDB connection {Description} was lost before the reply to {pending.Method}: {reason.Message}", reason);
}
