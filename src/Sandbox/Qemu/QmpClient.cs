using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace VmNet.Sandbox.Qemu;

/// <summary>
/// QEMU Machine Protocol over a unix socket: one JSON object per line. Commands are serialised (QMP
/// answers in order); events are collected with QEMU's timestamps by a background reader. QEMU serves
/// one client per -qmp socket, so a VM owns exactly one QmpClient.
/// </summary>
public sealed class QmpClient : IAsyncDisposable
{
    private readonly Socket socket;
    private readonly NetworkStream stream;
    private readonly StreamReader reader;
    private readonly SemaphoreSlim commandLock = new(1, 1);
    private readonly Lock sync = new();
    private readonly List<QmpEvent> events = [];
    private readonly List<(string Name, Func<QmpEvent, bool> Match, DateTimeOffset NotBefore, TaskCompletionSource<QmpEvent> Waiter)> eventWaiters = [];
    private readonly CancellationTokenSource readerStop = new();
    private TaskCompletionSource<JsonElement>? pending;
    private Task readLoop = Task.CompletedTask;
    private Exception? readFailure;
    private int disposed;

    private QmpClient(Socket socket, string path)
    {
        this.socket = socket;
        Path = path;
        stream = new NetworkStream(socket, ownsSocket: false);
        reader = new StreamReader(stream, Encoding.UTF8);
    }

    public string Path { get; }

    /// <summary>Every event received so far, oldest first.</summary>
    public IReadOnlyList<QmpEvent> Events
    {
        get
        {
            lock (sync)
            {
                return events.ToList();
            }
        }
    }

    /// <summary>Connects (retrying while QEMU creates the socket), reads the greeting and leaves capabilities negotiation mode.</summary>
    public static async Task<QmpClient> ConnectAsync(string path, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken).ConfigureAwait(false);
                var client = new QmpClient(socket, path);
                try
                {
                    await client.HandshakeAsync(timeout, cancellationToken).ConfigureAwait(false);
                    return client;
                }
                catch
                {
                    await client.DisposeAsync().ConfigureAwait(false);
                    throw;
                }
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                socket.Dispose();
                await Task.Delay(50, cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                throw new QemuException($"cannot connect to QMP socket {path} within {timeout.TotalSeconds:0.#} s: {ex.Message}", ex);
            }
        }
    }

    /// <summary>Runs one command and returns its "return" value; throws <see cref="QmpException"/> on an error reply.</summary>
    public async Task<JsonElement> ExecuteAsync(string command, JsonObject? arguments = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(command);
        var request = new JsonObject { ["execute"] = command };
        if (arguments is not null)
        {
            request["arguments"] = arguments;
        }

        await commandLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var reply = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (sync)
            {
                if (readFailure is not null)
                {
                    throw new QemuException($"QMP connection {Path} is closed: {readFailure.Message}", readFailure);
                }

                pending = reply;
            }

            var bytes = Encoding.UTF8.GetBytes(request.ToJsonString() + "\n");
            await stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
            var message = await reply.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
            if (message.TryGetProperty("error", out var error))
            {
                throw new QmpException(
                    command,
                    error.TryGetProperty("class", out var c) ? c.GetString() ?? "?" : "?",
                    error.TryGetProperty("desc", out var d) ? d.GetString() ?? "?" : error.ToString());
            }

            return message.GetProperty("return");
        }
        finally
        {
            commandLock.Release();
        }
    }

    /// <summary>The first event named <paramref name="name"/> at or after <paramref name="notBefore"/>, waiting for it if needed.</summary>
    public Task<QmpEvent> WaitForEventAsync(string name, DateTimeOffset notBefore, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        WaitForEventAsync(name, static _ => true, notBefore, timeout, cancellationToken);

    /// <summary>The first event named <paramref name="name"/> matching <paramref name="match"/> (e.g. one MIGRATION status) at or after <paramref name="notBefore"/>.</summary>
    public async Task<QmpEvent> WaitForEventAsync(string name, Func<QmpEvent, bool> match, DateTimeOffset notBefore, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(match);
        TaskCompletionSource<QmpEvent> waiter;
        lock (sync)
        {
            var seen = events.FirstOrDefault(e => e.Name == name && e.Timestamp >= notBefore && match(e));
            if (seen is not null)
            {
                return seen;
            }

            waiter = new TaskCompletionSource<QmpEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
            eventWaiters.Add((name, match, notBefore, waiter));
        }

        try
        {
            return await waiter.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new QemuException($"no QMP event {name} on {Path} within {timeout.TotalSeconds:0.#} s; events seen: {string.Join(", ", Events.Select(e => e.Name))}");
        }
        finally
        {
            lock (sync)
            {
                eventWaiters.RemoveAll(w => w.Waiter == waiter);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        await readerStop.CancelAsync().ConfigureAwait(false);
        try
        {
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // QEMU already closed its end (it exits after a failed or cancelled incoming migration).
        }

        socket.Dispose();
        try
        {
            await readLoop.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException or SocketException)
        {
            // The reader ends with the socket.
        }

        reader.Dispose();
        await stream.DisposeAsync().ConfigureAwait(false);
        commandLock.Dispose();
        readerStop.Dispose();
    }

    private async Task HandshakeAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var greetingTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        greetingTimeout.CancelAfter(timeout);
        var greeting = await reader.ReadLineAsync(greetingTimeout.Token).ConfigureAwait(false);
        if (greeting is null || !greeting.Contains("\"QMP\"", StringComparison.Ordinal))
        {
            throw new QemuException($"{Path} did not greet with a QMP banner: '{greeting}'");
        }

        readLoop = Task.Run(() => ReadLoopAsync(readerStop.Token), CancellationToken.None);
        await ExecuteAsync("qmp_capabilities", cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    private async Task ReadLoopAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                var line = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false)
                    ?? throw new QemuException($"QMP socket {Path} closed by QEMU");
                if (line.Length == 0)
                {
                    continue;
                }

                using var document = JsonDocument.Parse(line);
                var message = document.RootElement.Clone();
                if (message.TryGetProperty("event", out var eventName))
                {
                    OnEvent(message, eventName.GetString() ?? string.Empty);
                    continue;
                }

                TaskCompletionSource<JsonElement>? reply;
                lock (sync)
                {
                    reply = pending;
                    pending = null;
                }

                reply?.TrySetResult(message);
            }
        }
        catch (Exception ex)
        {
            lock (sync)
            {
                readFailure = ex;
                pending?.TrySetException(new QemuException($"QMP connection {Path} failed: {ex.Message}", ex));
                pending = null;
            }
        }
    }

    private void OnEvent(JsonElement message, string name)
    {
        var ts = message.GetProperty("timestamp");
        var micros = ts.GetProperty("seconds").GetInt64() * 1_000_000 + ts.GetProperty("microseconds").GetInt64();
        var evt = new QmpEvent(
            name,
            DateTimeOffset.UnixEpoch.AddTicks(micros * 10),
            message.TryGetProperty("data", out var data) ? data : default);
        List<TaskCompletionSource<QmpEvent>> woken;
        lock (sync)
        {
            events.Add(evt);
            woken = eventWaiters.Where(w => w.Name == name && evt.Timestamp >= w.NotBefore && w.Match(evt)).Select(w => w.Waiter).ToList();
        }

        foreach (var w in woken)
        {
            w.TrySetResult(evt);
        }
    }
}
