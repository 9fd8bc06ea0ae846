using VmNet.Ovsdb.Errors;
using VmNet.Ovsdb.Operations;
using VmNet.Ovsdb.Session;
using VmNet.Ovsdb.Values;
using VmNet.Ovsdb.Wire;
using VmNet.Tests.Ovsdb.Support;

namespace VmNet.Tests.Ovsdb;

/// <summary>Every RPC method and op type against a real OVN Northbound ovsdb-server, checked with ovn-nbctl.</summary>
public sealed class SessionTests : IAsyncLifetime
{
    private TestOvsdbServer _server = null!;
    private OvsdbSession _session = null!;
    private VmNet.Ovsdb.Schema.DatabaseSchema _schema = null!;

    public async Task InitializeAsync()
    {
        _server = await TestOvsdbServer.StartNorthboundAsync();
        _session = await OvsdbSession.ConnectAsync(_server.Unix, null, null, null, Timeouts.Token());
        _schema = await _session.GetSchemaAsync("OVN_Northbound", Timeouts.Token());
    }

    public async Task DisposeAsync()
    {
        await _session.DisposeAsync();
        await _server.DisposeAsync();
    }

    private Task<TransactionResult> Transact(params OvsdbOperation[] ops) =>
        _session.TransactAsync("OVN_Northbound", ops, _schema, Timeouts.Token());

    private static InsertOperation InsertSwitch(string name, string? uuidName = null) =>
        new("Logical_Switch", new Dictionary<string, object?> { ["name"] = name }, uuidName);

    [Fact]
    public async Task ListsDatabasesAndParsesTheSchema()
    {
        var dbs = await _session.ListDatabasesAsync(Timeouts.Token());
        Assert.Contains("OVN_Northbound", dbs);
        var lsp = _schema.GetTable("Logical_Switch_Port");
        Assert.True(lsp.GetColumn("addresses").Type.IsSet);
        Assert.True(lsp.GetColumn("external_ids").Type.IsMap);
        Assert.Equal("DHCP_Options", lsp.GetColumn("dhcpv4_options").Type.Key.RefTable);
        Assert.False(lsp.GetColumn("dhcpv4_options").Type.Key.IsStrongRef);
        Assert.True(lsp.GetColumn("tag").Type.IsOptional);
        Assert.Equal(4095, lsp.GetColumn("tag").Type.Key.MaxInteger);
        Assert.Contains("allow-related", _schema.GetTable("ACL").GetColumn("action").Type.Key.Enum!);
        Assert.Equal([["name"]], lsp.Indexes);
        Assert.True(await _session.EchoAsync(Timeouts.Token()));
    }

    [Fact]
    public async Task InsertsWithNamedUuidAndMutatesTheParentInOneTransaction()
    {
        var result = await Transact(
            InsertSwitch("ls-one", "sw"),
            new InsertOperation("Logical_Switch_Port", new Dictionary<string, object?>
            {
                ["name"] = "lsp-one",
                ["addresses"] = OvsdbSet.Of("00:00:00:00:00:01 10.0.0.2"),
                ["external_ids"] = OvsdbMap.Of(new Dictionary<string, string> { ["vendor"] = "vmnet" }),
            }, "p1"),
            new MutateOperation("Logical_Switch", [new Condition("_uuid", "==", new NamedUuid("sw"))], [Mutation.Insert("ports", OvsdbSet.Of(new NamedUuid("p1")))]),
            new CommentOperation("vmnet test"));
        var lsUuid = result.InsertedUuid(0);
        Assert.NotEqual(Guid.Empty, result.InsertedUuid(1));
        Assert.Equal(1, result.Results[2].Count);
        Assert.Equal("lsp-one", await _server.NbctlAsync("lsp-list", lsUuid.ToString()) is var list && list.Contains("lsp-one", StringComparison.Ordinal) ? "lsp-one" : list);
        Assert.Equal("\"00:00:00:00:00:01 10.0.0.2\"", await _server.NbctlAsync("lsp-get-addresses", "lsp-one") is var a && a.StartsWith('"') ? a : "\"" + a + "\"");
        Assert.Equal("vmnet", await _server.NbctlAsync("get", "Logical_Switch_Port", "lsp-one", "external_ids:vendor"));
    }

    [Fact]
    public async Task UpdatesSelectsWaitsAndDeletes()
    {
        var uuid = (await Transact(InsertSwitch("ls-upd"))).InsertedUuid(0);
        var updated = await Transact(new UpdateOperation("Logical_Switch", [Condition.Uuid(uuid)], new Dictionary<string, object?>
        {
            ["other_config"] = OvsdbMap.Of(new Dictionary<string, string> { ["subnet"] = "10.1.0.0/24" }),
        }));
        Assert.Equal(1, updated.Results[0].Count);
        Assert.Equal("10.1.0.0/24", await _server.NbctlAsync("get", "Logical_Switch", "ls-upd", "other_config:subnet") is var s ? s.Trim('"') : null);

        var selected = await Transact(new SelectOperation("Logical_Switch", [Condition.Equal("name", "ls-upd")], ["name", "other_config", "ports"]));
        var row = Assert.Single(selected.Results[0].Rows!);
        Assert.Equal("ls-upd", row["name"]);
        Assert.Equal(OvsdbSet.Empty, row["ports"]);
        Assert.True(((OvsdbMap)row["other_config"]!).TryGetValue("subnet", out var subnet) && (string)subnet == "10.1.0.0/24");

        // A wait that holds passes; one that does not fails the whole transaction at its index.
        await Transact(new WaitOperation("Logical_Switch", [Condition.Uuid(uuid)], ["name"], "==", [new Dictionary<string, object?> { ["name"] = "ls-upd" }]));
        var failed = await Assert.ThrowsAsync<OvsdbTransactionException>(() => Transact(
            new CommentOperation("first"),
            new WaitOperation("Logical_Switch", [Condition.Uuid(uuid)], ["name"], "==", [new Dictionary<string, object?> { ["name"] = "other" }])));
        Assert.Equal(1, failed.OperationIndex);
        Assert.Equal("wait", failed.Operation);
        Assert.Equal("Logical_Switch", failed.Table);
        Assert.Equal("timed out", failed.Error);

        var deleted = await Transact(new DeleteOperation("Logical_Switch", [Condition.Uuid(uuid)]));
        Assert.Equal(1, deleted.Results[0].Count);
        Assert.Equal("", await _server.NbctlAsync("ls-list"));
    }

    [Fact]
    public async Task DuplicateIndexIsAConstraintViolationNamingTheOperation()
    {
        await _server.NbctlAsync("ls-add", "ls-dup", "--", "lsp-add", "ls-dup", "taken");
        var ex = await Assert.ThrowsAsync<OvsdbConstraintViolationException>(() => Transact(
            InsertSwitch("ls-x", "sw"),
            new InsertOperation("Logical_Switch_Port", new Dictionary<string, object?> { ["name"] = "taken" }, "p"),
            new MutateOperation("Logical_Switch", [new Condition("_uuid", "==", new NamedUuid("sw"))], [Mutation.Insert("ports", OvsdbSet.Of(new NamedUuid("p")))])));
        Assert.Equal("constraint violation", ex.Error);
        Assert.Contains("taken", ex.Details, StringComparison.Ordinal);
        Assert.Contains("constraint violation", ex.Message, StringComparison.Ordinal);
        Assert.Equal("ls-dup", await _server.NbctlAsync("ls-list") is var l && l.Contains("ls-x", StringComparison.Ordinal) ? "rolled back?" : "ls-dup");
    }

    [Fact]
    public async Task ValueOutOfRangeNamesOpIndexAndTable()
    {
        var ex = await Assert.ThrowsAsync<OvsdbConstraintViolationException>(() => Transact(
            new InsertOperation("Logical_Switch_Port", new Dictionary<string, object?> { ["name"] = "bad-tag", ["tag"] = 5000L })));
        Assert.Equal(0, ex.OperationIndex);
        Assert.Equal("insert", ex.Operation);
        Assert.Equal("Logical_Switch_Port", ex.Table);
    }

    [Fact]
    public async Task AssertWithoutTheLockFails()
    {
        var ex = await Assert.ThrowsAsync<OvsdbTransactionException>(() => Transact(new AssertOperation("vmnet_lock")));
        Assert.Equal("not owner", ex.Error);
        Assert.IsNotType<OvsdbConstraintViolationException>(ex);
    }

    [Fact]
    public async Task WorksOverTcp()
    {
        await using var tcp = await OvsdbSession.ConnectAsync(_server.Tcp, null, null, null, Timeouts.Token());
        var uuid = (await tcp.TransactAsync("OVN_Northbound", [InsertSwitch("ls-tcp")], null, Timeouts.Token())).InsertedUuid(0);
        Assert.Contains(uuid.ToString(), await _server.NbctlAsync("ls-list"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MonitorCondSinceSendsInitialRowsThenUpdate3()
    {
        await _server.NbctlAsync("ls-add", "ls-mon");
        var notifications = new List<UpdateNotification>();
        _session.UpdateHandler = n => { lock (notifications) { notifications.Add(n); } };
        var reply = await _session.MonitorCondSinceAsync(_schema, "m1", [new MonitorRequest("Logical_Switch", ["name"])], null, null, Timeouts.Token());
        Assert.False(reply.Found);
        var initial = Assert.Single(Assert.Single(reply.Updates).Rows);
        Assert.Equal(RowUpdateKind.Initial, initial.Kind);

        await _server.NbctlAsync("ls-add", "ls-mon2");
        await Timeouts.UntilAsync(() => { lock (notifications) { return notifications.Count > 0; } }, "update3");
        var insert = notifications[0].Updates.Single().Rows.Single();
        Assert.Equal(RowUpdateKind.Insert, insert.Kind);
        Assert.Equal("ls-mon2", insert.Values![_schema.GetTable("Logical_Switch").GetColumn("name").Ordinal]);

        await _session.MonitorCancelAsync("m1", Timeouts.Token());
        await _server.NbctlAsync("ls-add", "ls-mon3");
        await _session.EchoAsync(Timeouts.Token());
        lock (notifications)
        {
            Assert.Single(notifications);
        }
    }

    [Fact]
    public async Task MonitorCondFiltersByCondition()
    {
        await _server.NbctlAsync("ls-add", "keep", "--", "ls-add", "skip");
        var updates = await _session.MonitorCondAsync(_schema, "m2", [new MonitorRequest("Logical_Switch", null, [Condition.Equal("name", "keep")])], null, Timeouts.Token());
        var row = Assert.Single(Assert.Single(updates).Rows);
        Assert.Equal("keep", row.Values![_schema.GetTable("Logical_Switch").GetColumn("name").Ordinal]);
    }

    [Fact]
    public async Task ConnectingToANonexistentSocketFailsClearly()
    {
        var ex = await Assert.ThrowsAsync<OvsdbConnectionException>(() => OvsdbSession.ConnectAsync(OvsdbEndpoint.Unix(Path.Combine(_server.Directory, "nope.sock")), null, null, null, Timeouts.Token()));
        Assert.Contains("nope.sock", ex.Message, StringComparison.Ordinal);
    }
}
