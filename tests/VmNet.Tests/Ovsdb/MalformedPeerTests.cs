using System.Text.Json;
using VmNet.Ovsdb.Errors;
using VmNet.Ovsdb.Operations;
using VmNet.Ovsdb.Session;
using VmNet.Tests.Ovsdb.Support;

namespace VmNet.Tests.Ovsdb;

/// <summary>Bad servers: every case ends in a clear error within the test timeout, never a hang.</summary>
public sealed class MalformedPeerTests : IAsyncLifetime
{
    private FakeOvsdbPeer _peer = null!;

    public Task InitializeAsync()
    {
        _peer = new FakeOvsdbPeer();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _peer.DisposeAsync();

    private async Task<(OvsdbSession Session, FakeConnection Server)> ConnectAsync(TimeSpan? probe = null)
    {
        var accept = _peer.AcceptAsync();
        var session = await OvsdbSession.ConnectAsync(_peer.Endpoint, null, probe, null, Timeouts.Token());
        return (session, await accept);
    }

    private static long Id(JsonElement request) => request.GetProperty("id").GetInt64();

    [Fact]
    public async Task GarbageOnTheWireFailsThePendingRequestAndClosesTheConnection()
    {
        var (session, server) = await ConnectAsync();
        await using var _ = session;
        using var __ = server;
        var request = session.ListDatabasesAsync(Timeouts.Token());
        await server.ReadMessageAsync();
        await server.SendAsync("HTTP/1.1 400 Bad Request\r\n");
        var ex = await Assert.ThrowsAsync<OvsdbProtocolException>(() => request);
        Assert.Contains("outside a JSON object", ex.Message, StringComparison.Ordinal);
        Assert.IsType<OvsdbProtocolException>(await session.Closed.WaitAsync(Timeouts.Token()));
    }

    [Fact]
    public async Task TruncatedJsonThenEofIsReportedAsTruncated()
    {
        var (session, server) = await ConnectAsync();
        await using var _ = session;
        var request = session.ListDatabasesAsync(Timeouts.Token());
        var id = Id(await server.ReadMessageAsync());
        await server.SendAsync($"{{\"id\":{id},\"result\":[\"OVN_North");
        server.Dispose();
        var ex = await Assert.ThrowsAsync<OvsdbProtocolException>(() => request);
        Assert.Contains("truncated", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvalidJsonInsideBracketsIsAProtocolError()
    {
        var (session, server) = await ConnectAsync();
        await using var _ = session;
        using var __ = server;
        var request = session.ListDatabasesAsync(Timeouts.Token());
        var id = Id(await server.ReadMessageAsync());
        await server.SendAsync($"{{\"id\":{id},\"result\":[1,,2],\"error\":null}}");
        var ex = await Assert.ThrowsAsync<OvsdbProtocolException>(() => request);
        Assert.Contains("invalid JSON", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WrongResultTypesFailOnlyThatRequest()
    {
        var (session, server) = await ConnectAsync();
        await using var _ = session;
        using var __ = server;

        var dbs = session.ListDatabasesAsync(Timeouts.Token());
        await server.SendAsync($"{{\"id\":{Id(await server.ReadMessageAsync())},\"result\":42,\"error\":null}}");
        var ex = await Assert.ThrowsAsync<OvsdbProtocolException>(() => dbs);
        Assert.Contains("list_dbs result is not an array of strings: 42", ex.Message, StringComparison.Ordinal);

        var txn = session.TransactAsync("OVN_Northbound", [new CommentOperation("x")], null, Timeouts.Token());
        await server.SendAsync($"{{\"id\":{Id(await server.ReadMessageAsync())},\"result\":{{\"not\":\"an array\"}},\"error\":null}}");
        var txnEx = await Assert.ThrowsAsync<OvsdbProtocolException>(() => txn);
        Assert.Contains("transact result is not an array", txnEx.Message, StringComparison.Ordinal);

        var schema = session.GetSchemaAsync("OVN_Northbound", Timeouts.Token());
        await server.SendAsync($"{{\"id\":{Id(await server.ReadMessageAsync())},\"result\":{{\"name\":\"x\",\"tables\":{{\"T\":{{\"columns\":{{\"c\":{{\"type\":\"decimal\"}}}}}}}}}},\"error\":null}}");
        var schemaEx = await Assert.ThrowsAsync<OvsdbProtocolException>(() => schema);
        Assert.Contains("T.c", schemaEx.Message, StringComparison.Ordinal);

        // The connection survives a bad reply.
        var ok = session.ListDatabasesAsync(Timeouts.Token());
        await server.SendAsync($"{{\"id\":{Id(await server.ReadMessageAsync())},\"result\":[\"A\"],\"error\":null}}");
        Assert.Equal(["A"], await ok);
    }

    [Fact]
    public async Task RpcErrorsAreTyped()
    {
        var (session, server) = await ConnectAsync();
        await using var _ = session;
        using var __ = server;
        var schema = session.GetSchemaAsync("Nope", Timeouts.Token());
        await server.SendAsync($"{{\"id\":{Id(await server.ReadMessageAsync())},\"result\":null,\"error\":{{\"error\":\"unknown database\",\"details\":\"Nope\"}}}}");
        var ex = await Assert.ThrowsAsync<OvsdbRpcException>(() => schema);
        Assert.Equal("unknown database", ex.Error);
        Assert.Equal("get_schema", ex.Method);
    }

    [Fact]
    public async Task ServerEchoIsAnswered()
    {
        var (session, server) = await ConnectAsync();
        await using var _ = session;
        using var __ = server;
        await server.SendAsync("{\"method\":\"echo\",\"params\":[\"ping\",7],\"id\":\"echo\"}");
        var reply = await server.ReadMessageAsync();
        Assert.Equal("echo", reply.GetProperty("id").GetString());
        Assert.Equal(JsonValueKind.Null, reply.GetProperty("error").ValueKind);
        Assert.Equal("[\"ping\",7]", reply.GetProperty("result").GetRawText());
    }

    [Fact]
    public async Task AnUnansweredProbeDropsTheConnection()
    {
        var (session, server) = await ConnectAsync(probe: TimeSpan.FromMilliseconds(300));
        await using var _ = session;
        using var __ = server;
        var probe = await server.ReadMessageAsync();
        Assert.Equal("echo", probe.GetProperty("method").GetString());
        var reason = await session.Closed.WaitAsync(Timeouts.Token());
        Assert.Contains("no reply to echo", reason.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ALostTransactReplyIsOutcomeUnknown()
    {
        var (session, server) = await ConnectAsync();
        await using var _ = session;
        var txn = session.TransactAsync("OVN_Northbound", [new CommentOperation("x")], null, Timeouts.Token());
        await server.ReadMessageAsync();
        server.Dispose();
        await Assert.ThrowsAsync<OvsdbOutcomeUnknownException>(() => txn);
        await Assert.ThrowsAsync<OvsdbConnectionException>(() => session.ListDatabasesAsync(Timeouts.Token()));
    }

    [Fact]
    public async Task CancellingATransactSendsCancel()
    {
        var (session, server) = await ConnectAsync();
        await using var _ = session;
        using var __ = server;
        using var cts = new CancellationTokenSource();
        var txn = session.TransactAsync("OVN_Northbound", [new CommentOperation("x")], null, cts.Token);
        var id = Id(await server.ReadMessageAsync());
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => txn);
        var cancel = await server.ReadMessageAsync();
        Assert.Equal("cancel", cancel.GetProperty("method").GetString());
        Assert.Equal(id, cancel.GetProperty("params")[0].GetInt64());
        Assert.Equal(JsonValueKind.Null, cancel.GetProperty("id").ValueKind);
    }

    [Fact]
    public async Task NotificationsBeforeTheReplyAreDeliveredFirst()
    {
        var (session, server) = await ConnectAsync();
        await using var _ = session;
        using var __ = server;
        var schema = VmNet.Ovsdb.Schema.SchemaParser.Parse(await File.ReadAllTextAsync("/usr/share/ovn/ovn-nb.ovsschema"));
        var order = new List<string>();
        session.UpdateHandler = n => { lock (order) { order.Add("update:" + n.Updates[0].Rows[0].Kind); } };
        var monitor = session.MonitorCondAsync(schema, "m", [new MonitorRequest("Logical_Switch")], _ => { lock (order) { order.Add("monitor-reply"); } }, Timeouts.Token());
        await server.SendAsync($"{{\"id\":{Id(await server.ReadMessageAsync())},\"result\":{{}},\"error\":null}}");
        await monitor;

        var txn = session.TransactAsync("OVN_Northbound", [new InsertOperation("Logical_Switch", new Dictionary<string, object?> { ["name"] = "a" })], schema, Timeouts.Token());
        var id = Id(await server.ReadMessageAsync());
        var uuid = Guid.NewGuid();
        await server.SendAsync($"{{\"id\":null,\"method\":\"update2\",\"params\":[\"m\",{{\"Logical_Switch\":{{\"{uuid}\":{{\"insert\":{{\"name\":\"a\"}}}}}}}}]}}");
        await server.SendAsync($"{{\"id\":{id},\"result\":[{{\"uuid\":[\"uuid\",\"{uuid}\"]}}],\"error\":null}}");
        var result = await txn;
        lock (order)
        {
            order.Add("transact-reply");
            Assert.Equal(["monitor-reply", "update:Insert", "transact-reply"], order);
        }

        Assert.Equal(uuid, result.InsertedUuid(0));
    }

    [Fact]
    public async Task ATransactionErrorInsideResultIsTyped()
    {
        var (session, server) = await ConnectAsync();
        await using var _ = session;
        using var __ = server;
        var txn = session.TransactAsync("OVN_Northbound", [new CommentOperation("a"), new InsertOperation("Logical_Switch_Port", new Dictionary<string, object?>())], null, Timeouts.Token());
        var id = Id(await server.ReadMessageAsync());
        await server.SendAsync($"{{\"id\":{id},\"result\":[{{}},{{\"error\":\"constraint violation\",\"details\":\"duplicate name\"}}],\"error\":null}}");
        var ex = await Assert.ThrowsAsync<OvsdbConstraintViolationException>(() => txn);
        Assert.Equal(1, ex.OperationIndex);
        Assert.Equal("Logical_Switch_Port", ex.Table);
        Assert.Equal("duplicate name", ex.Details);
    }

    [Fact]
    public async Task ACommitErrorAfterTheLastOpIsReported()
    {
        var (session, server) = await ConnectAsync();
        await using var _ = session;
        using var __ = server;
        var txn = session.TransactAsync("OVN_Northbound", [new CommentOperation("a")], null, Timeouts.Token());
        var id = Id(await server.ReadMessageAsync());
        await server.SendAsync($"{{\"id\":{id},\"result\":[{{}},{{\"error\":\"referential integrity violation\",\"details\":\"dangling\"}}],\"error\":null}}");
        var ex = await Assert.ThrowsAsync<OvsdbConstraintViolationException>(() => txn);
        Assert.Equal(1, ex.OperationIndex);
        Assert.Equal("commit", ex.Operation);
    }

    [Fact]
    public async Task ConnectionsCanBeDisposedWhileARequestWaits()
    {
        var (session, server) = await ConnectAsync();
        using var __ = server;
        var request = session.ListDatabasesAsync(Timeouts.Token());
        await server.ReadMessageAsync();
        await session.DisposeAsync();
        await Assert.ThrowsAsync<OvsdbConnectionException>(() => request);
    }

    [Fact]
    public async Task AnUpdateWithAWrongColumnTypeClosesTheConnectionNamingTheColumn()
    {
        var (session, server) = await ConnectAsync();
        await using var _ = session;
        using var __ = server;
        var schema = VmNet.Ovsdb.Schema.SchemaParser.Parse(await File.ReadAllTextAsync("/usr/share/ovn/ovn-nb.ovsschema"));
        session.UpdateHandler = _ => { };
        var monitor = session.MonitorCondAsync(schema, "m", [new MonitorRequest("Logical_Switch")], null, Timeouts.Token());
        await server.SendAsync($"{{\"id\":{Id(await server.ReadMessageAsync())},\"result\":{{}},\"error\":null}}");
        await monitor;

        await server.SendAsync($"{{\"id\":null,\"method\":\"update2\",\"params\":[\"m\",{{\"Logical_Switch\":{{\"{Guid.NewGuid()}\":{{\"insert\":{{\"name\":42}}}}}}}}]}}");
        var reason = await session.Closed.WaitAsync(Timeouts.Token());
        Assert.IsType<OvsdbProtocolException>(reason);
        Assert.Contains("Logical_Switch.name", reason.Message, StringComparison.Ordinal);
    }
}
