using System.Collections.Concurrent;
using VmNet.Ovsdb.Cache;
using VmNet.Ovsdb.Client;
using VmNet.Ovsdb.Northbound;
using VmNet.Ovsdb.Operations;
using VmNet.Ovsdb;
using VmNet.Tests.Ovsdb.Support;

namespace VmNet.Tests.Ovsdb;

/// <summary>The monitor-fed cache against a real NB server: ovn-nbctl writes seen through the cache, our writes seen by ovn-nbctl.</summary>
public sealed class CacheTests : IAsyncLifetime
{
    private TestOvsdbServer _server = null!;
    private OvsdbClient _client = null!;

    public async Task InitializeAsync()
    {
        _server = await TestOvsdbServer.StartNorthboundAsync();
        _client = await _server.ConnectAsync();
    }

    public async Task DisposeAsync()
    {
        await _client.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task NbctlWritesArriveAsTypedRowsAndChangeEvents()
    {
        var changes = new ConcurrentQueue<RowChange>();
        using var subscription = _client.Cache.Subscribe(changes.Enqueue, LogicalSwitchPort.Table);

        await _server.NbctlAsync("ls-add", "sw0", "--", "lsp-add", "sw0", "vm1", "--", "lsp-set-addresses", "vm1", "0a:00:00:00:00:01 10.0.0.5",
            "--", "set", "Logical_Switch_Port", "vm1", "external_ids:team=blue", "tag_request=7");
        var row = await _client.Cache.WaitForRowAsync(LogicalSwitchPort.Table, r => r.Name == "vm1", Timeouts.Token());
        var port = LogicalSwitchPort.FromRow(row);
        Assert.Equal(["0a:00:00:00:00:01 10.0.0.5"], port.Addresses);
        Assert.Equal("blue", port.ExternalIds["team"]);
        Assert.Equal(7, port.TagRequest);
        Assert.Null(port.Tag);
        var sw = Assert.Single(_client.Cache.FindByName<LogicalSwitch>("sw0"));
        Assert.Equal([port.Uuid], sw.Ports);

        await _server.NbctlAsync("set", "Logical_Switch_Port", "vm1", "external_ids:team=red", "--", "remove", "Logical_Switch_Port", "vm1", "tag_request", "7",
            "--", "lsp-set-addresses", "vm1", "0a:00:00:00:00:01 10.0.0.5", "0a:00:00:00:00:02 10.0.0.6");
        await Timeouts.UntilAsync(() => changes.Any(c => c.Kind == RowChangeKind.Update), "update event");
        var update = changes.Single(c => c.Kind == RowChangeKind.Update);
        Assert.Equal("blue", update.Old!.ExternalId("team"));
        Assert.Equal("red", update.New!.ExternalId("team"));
        Assert.Equal(7L, update.Old.GetOptionalInteger("tag_request"));
        Assert.Null(update.New.GetOptionalInteger("tag_request"));
        Assert.Equal(["0a:00:00:00:00:01 10.0.0.5", "0a:00:00:00:00:02 10.0.0.6"], update.New.GetSet<string>("addresses").Order(StringComparer.Ordinal));
        Assert.Single(_client.Cache.FindByExternalId(LogicalSwitchPort.Table, "team", "red"));
        Assert.Empty(_client.Cache.FindByExternalId(LogicalSwitchPort.Table, "team", "blue"));

        await _server.NbctlAsync("lsp-del", "vm1");
        await Timeouts.UntilAsync(() => changes.Any(c => c.Kind == RowChangeKind.Delete), "delete event");
        var delete = changes.Single(c => c.Kind == RowChangeKind.Delete);
        Assert.Equal("vm1", delete.Old!.Name);
        Assert.Null(delete.New);
        Assert.Empty(_client.Cache.FindByName(LogicalSwitchPort.Table, "vm1"));
        Assert.Equal(RowChangeKind.Insert, changes.First().Kind);
    }

    [Fact]
    public async Task ComposedOpsCommitAsOneTransactionWithOwnership()
    {
        var owner = new Ownership("Subnet", "default/blue");
        var (swRef, swOps) = NorthboundOps.CreateLogicalSwitch(new LogicalSwitch { Name = "blue" }, owner);
        var ops = new List<OvsdbOperation>(swOps);
        for (var i = 0; i < 3; i++)
        {
            var (_, portOps) = NorthboundOps.CreateLogicalSwitchPort(
                swRef,
                new LogicalSwitchPort { Name = $"blue-p{i}", Addresses = [$"0a:00:00:00:01:0{i} 10.2.0.{10 + i}"], Enabled = true },
                new Ownership("Pod", $"default/pod{i}"));
            ops.AddRange(portOps);
        }

        var result = await _client.TransactAsync(ops, Timeouts.Token());
        Assert.Equal(7, result.Results.Count);

        await Timeouts.UntilAsync(() => _client.Cache.FindOwnedBy(LogicalSwitch.Table, owner).Count == 1, "our switch in the cache");
        var sw = Assert.Single(_client.Cache.FindOwnedBy(LogicalSwitch.Table, owner));
        Assert.Equal(result.InsertedUuid(0), sw.Uuid);
        Assert.Equal(3, LogicalSwitch.FromRow(sw).Ports.Count);

        Assert.Equal("blue-p0\nblue-p1\nblue-p2", string.Join('\n', (await _server.NbctlAsync("lsp-list", "blue")).Split('\n').Select(l => l.Split(' ')[1].Trim('(', ')')).Order(StringComparer.Ordinal)));
        Assert.Equal("vmnet", await _server.NbctlAsync("get", "Logical_Switch", "blue", "external_ids:vendor"));
        Assert.Equal("\"default/pod1\"", await _server.NbctlAsync("get", "Logical_Switch_Port", "blue-p1", "external_ids:\"vmnet.io/owner\""));
        Assert.Equal("Pod", await _server.NbctlAsync("get", "Logical_Switch_Port", "blue-p1", "external_ids:\"vmnet.io/owner-kind\""));
        Assert.Equal(owner, Ownership.FromRow(sw));

        // Garbage collection by ownership: pod1 is gone from the live set.
        var orphans = _client.Cache.FindOrphans(LogicalSwitchPort.Table, "Pod", new HashSet<string> { "default/pod0", "default/pod2" });
        var orphan = Assert.Single(orphans);
        Assert.Equal("blue-p1", orphan.Name);
        await _client.TransactAsync(NorthboundOps.DeleteLogicalSwitchPort(sw.Uuid, orphan.Uuid), Timeouts.Token());
        Assert.DoesNotContain("blue-p1", await _server.NbctlAsync("lsp-list", "blue"), StringComparison.Ordinal);
        await Timeouts.UntilAsync(() => _client.Cache.Count(LogicalSwitchPort.Table) == 2, "orphan port gone from the cache");
        Assert.Empty(_client.Cache.FindOrphans(LogicalSwitchPort.Table, "Pod", new HashSet<string> { "default/pod0", "default/pod2" }));
        Assert.Equal(2, _client.Cache.FindOwnedByKind(LogicalSwitchPort.Table, "Pod").Count);
        Assert.Equal("blue-p2", Assert.Single(_client.Cache.FindOwnedBy<LogicalSwitchPort>(new Ownership("Pod", "default/pod2"))).Name);
        Assert.Equal("blue-p0", Assert.Single(_client.Cache.FindOrphans<LogicalSwitchPort>("Pod", new HashSet<string> { "default/pod2" })).Name);
    }

    [Fact]
    public async Task GarbageCollectionByOwnershipDetachesAndDeletesOrphans()
    {
        await _server.NbctlAsync("ls-add", "gc", "--", "lsp-add", "gc", "foreign");
        var (swRef, swOps) = NorthboundOps.CreateLogicalSwitch(new LogicalSwitch { Name = "gc-owned" }, new Ownership("Subnet", "gc-owned"));
        var portOps = NorthboundOps.CreateLogicalSwitchPorts(swRef, Enumerable.Range(0, 4).Select(i => (new LogicalSwitchPort { Name = $"gc-p{i}" }, new Ownership("Pod", $"ns/p{i}"))));
        await _client.TransactAsync([.. swOps, .. portOps], Timeouts.Token());
        await Timeouts.UntilAsync(() => _client.Cache.Count(LogicalSwitchPort.Table) == 5, "all ports cached");
        var foreign = Assert.Single(_client.Cache.FindByName(LogicalSwitchPort.Table, "foreign"));

        var ops = _client.Cache.DeleteOrphansOps(LogicalSwitchPort.Table, "Pod", new HashSet<string> { "ns/p0", "ns/p3" });
        await _client.TransactAsync(ops, Timeouts.Token());

        Assert.Equal("gc-p0\ngc-p3", string.Join('\n', (await _server.NbctlAsync("--bare", "--columns=name", "find", "Logical_Switch_Port", "external_ids:vendor=vmnet")).Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal)));
        Assert.Contains("foreign", await _server.NbctlAsync("lsp-list", "gc"), StringComparison.Ordinal);
        Assert.Equal(2, LogicalSwitch.FromRow(_client.Cache.FindByName(LogicalSwitch.Table, "gc-owned").Single()).Ports.Count);
        Assert.NotNull(_client.Cache.Get(LogicalSwitchPort.Table, foreign.Uuid));
        Assert.Empty(_client.Cache.DeleteOrphansOps(LogicalSwitchPort.Table, "Pod", new HashSet<string> { "ns/p0", "ns/p3" }));
    }

    [Fact]
    public async Task TypedUpdatesSetAndClearColumnsAndMapKeysMutateInPlace()
    {
        await _server.NbctlAsync("ls-add", "sw-u", "--", "lsp-add", "sw-u", "u1", "--", "set", "Logical_Switch_Port", "u1", "tag_request=5", "external_ids:a=1", "external_ids:b=2");
        var port = LogicalSwitchPort.FromRow(await _client.Cache.WaitForRowAsync(LogicalSwitchPort.Table, r => r.Name == "u1", Timeouts.Token()));

        await _client.TransactAsync(
            [
                Ops.Update(port with { TagRequest = null, Addresses = ["dynamic"], Type = "localport" }, "tag_request", "addresses", "type"),
                Ops.SetMapKeys(LogicalSwitchPort.Table, port.Uuid, "external_ids", new Dictionary<string, string> { ["b"] = "20", ["c"] = "3" }),
            ],
            Timeouts.Token());

        Assert.Equal("[]", await _server.NbctlAsync("get", "Logical_Switch_Port", "u1", "tag_request"));
        Assert.Equal("localport", await _server.NbctlAsync("get", "Logical_Switch_Port", "u1", "type"));
        Assert.Equal("{a=\"1\", b=\"20\", c=\"3\"}", await _server.NbctlAsync("get", "Logical_Switch_Port", "u1", "external_ids"));
        await Timeouts.UntilAsync(() => _client.Cache.Get<LogicalSwitchPort>(port.Uuid)!.Type == "localport", "update cached");
        var updated = _client.Cache.Get<LogicalSwitchPort>(port.Uuid)!;
        Assert.Null(updated.TagRequest);
        Assert.Equal(["dynamic"], updated.Addresses);
        Assert.Equal("20", updated.ExternalIds["b"]);
        Assert.Throws<ArgumentException>(() => Ops.Update(port, "no_such_column"));
        Assert.Throws<ArgumentException>(() => Ops.Update(new LogicalSwitchPort { Name = "new" }, "name"));
    }

    [Fact]
    public async Task NameIndexHoldsRowsSharingAName()
    {
        var insert = new InsertOperation(LogicalSwitch.Table, new Dictionary<string, object?> { ["name"] = "twin" });
        var result = await _client.TransactAsync([insert, insert, insert], Timeouts.Token());
        await Timeouts.UntilAsync(() => _client.Cache.FindByName(LogicalSwitch.Table, "twin").Count == 3, "three twins cached");
        await _client.TransactAsync([Ops.Delete(LogicalSwitch.Table, result.InsertedUuid(1))], Timeouts.Token());
        await Timeouts.UntilAsync(() => _client.Cache.FindByName(LogicalSwitch.Table, "twin").Count == 2, "one twin removed");
        Assert.Equal(
            new[] { result.InsertedUuid(0), result.InsertedUuid(2) }.Order(),
            _client.Cache.FindByName(LogicalSwitch.Table, "twin").Select(r => r.Uuid).Order());
        await _client.TransactAsync([Ops.Delete(LogicalSwitch.Table, result.InsertedUuid(0))], Timeouts.Token());
        await Timeouts.UntilAsync(() => _client.Cache.FindByName(LogicalSwitch.Table, "twin").Count == 1, "one twin left");
        Assert.Equal(result.InsertedUuid(2), Assert.Single(_client.Cache.FindByName(LogicalSwitch.Table, "twin")).Uuid);
    }

    [Fact]
    public async Task RouterPortsAndStaticRoutesCompose()
    {
        var owner = new Ownership("Vpc", "vpc-a");
        var (lrRef, lrOps) = NorthboundOps.CreateLogicalRouter(new LogicalRouter { Name = "lr-a" }, owner);
        var (_, lrpOps) = NorthboundOps.CreateLogicalRouterPort(lrRef, new LogicalRouterPort { Name = "lrp-a", Mac = "0a:00:00:00:02:01", Networks = ["10.3.0.1/24"] }, owner);
        var (_, routeOps) = NorthboundOps.AddStaticRoute(lrRef, new LogicalRouterStaticRoute { IpPrefix = "0.0.0.0/0", Nexthop = "10.3.0.254" }, owner);
        await _client.TransactAsync([.. lrOps, .. lrpOps, .. routeOps], Timeouts.Token());
        Assert.Contains("lrp-a", await _server.NbctlAsync("lrp-list", "lr-a"), StringComparison.Ordinal);
        Assert.Contains("10.3.0.254", await _server.NbctlAsync("lr-route-list", "lr-a"), StringComparison.Ordinal);
        await Timeouts.UntilAsync(() => _client.Cache.FindByName(LogicalRouter.Table, "lr-a").Count == 1, "router cached");
        var router = Assert.Single(_client.Cache.FindByName<LogicalRouter>("lr-a"));
        Assert.Single(router.StaticRoutes);
        Assert.Single(router.Ports);
    }

    [Fact]
    public async Task GuardedTransactionReportsAnEarlierCommit()
    {
        var owner = new Ownership("Subnet", "default/guarded");
        var (_, ops) = NorthboundOps.CreateLogicalSwitch(new LogicalSwitch { Name = "guarded" }, owner);
        var guard = OvsdbGuards.RowAbsent(LogicalSwitch.Table, owner.Where());
        var first = await _client.TransactGuardedAsync(guard, ops, Timeouts.Token());
        Assert.False(first.AppliedByEarlierAttempt);
        Assert.NotEqual(Guid.Empty, first.Result!.InsertedUuid(0));

        // The guard now fails: resending would not double-apply.
        var ex = await Assert.ThrowsAsync<VmNet.Ovsdb.Errors.OvsdbTransactionException>(() => _client.TransactAsync([guard, .. ops], Timeouts.Token()));
        Assert.Equal(0, ex.OperationIndex);
        Assert.Equal("timed out", ex.Error);
        Assert.Single((await _server.NbctlAsync("ls-list")).Split('\n'));
    }
}
