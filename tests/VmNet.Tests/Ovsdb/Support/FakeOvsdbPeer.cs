using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using VmNet.Ovsdb.Wire;

namespace VmNet.Tests.Ovsdb.Support;

/// <summary>A scripted server on a unix socket, for replies a real ovsdb-server never sends.</summary>
internal sealed class FakeOvsdbPeer : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly string _directory;

    public FakeOvsdbPeer()
    {
        _directory = Path.Combine(Path.GetTempPath(), "vmnet-fake-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(_directory);
        var path = Path.Combine(_directory, "fake.sock");
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(path));
        _listener.Listen(4);
        Endpoint = OvsdbEndpoint.Unix(path);
    }

    public OvsdbEndpoint Endpoint { get; }

    public async Task<FakeConnection> AcceptAsync() => new(await _listener.AcceptAsync(Timeouts.Token()));

    public ValueTask DisposeAsync()
    {
        _listener.Dispose();
        Directory.Delete(_directory, recursive: true);
        return ValueTask.CompletedTask;
    }
}

internal sealed class FakeConnection : IDisposable
{
    private readonly Socket _socket;
    private readonly JsonValueFramer _framer = new();

    public FakeConnection(Socket socket) => _socket = socket;

    /// <summary>Reads the next JSON-RPC message the client sent.</summary>
    public async Task<JsonElement> ReadMessageAsync()
    {
        var token = Timeouts.Token();
        while (true)
        {
            if (_framer.TryReadValue(out var value))
            {
                using var doc = JsonDocument.Parse(value);
                return doc.RootElement.Clone();
            }

            var read = await _socket.ReceiveAsync(_framer.GetWriteBuffer(), token);
            if (read == 0)
            {
                throw new IOException("client closed the connection");
            }

            _framer.Advance(read);
        }
    }

    /// <summary>Answers the client's get_schema of _Server as a server older than OVS 2.9 does: there is no such database.</summary>
    public async Task RejectServerSchemaAsync()
    {
        var request = await ReadMessageAsync();
        if (request.GetProperty("method").GetString() != "get_schema" || request.GetProperty("params")[0].GetString() != "_Server")
        {
            throw new InvalidOperationException("expected get_schema of _Server but got " + request.GetRawText());
        }

        await SendAsync($"{{\"id\":{request.GetProperty("id").GetInt64()},\"result\":null,\"error\":{{\"error\":\"unknown database\"}}}}");
    }

    public async Task SendAsync(string text) => await _socket.SendAsync(Encoding.UTF8.GetBytes(text), Timeouts.Token());

    public void Dispose() => _socket.Dispose();
}
