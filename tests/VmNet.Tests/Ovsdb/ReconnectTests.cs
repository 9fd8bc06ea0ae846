using System.Collections.Concurrent;
using VmNet.Ovsdb.Cache;
using VmNet.Ovsdb.Client;
using VmNet.Ovsdb.Errors;
using VmNet.Ovsdb.Northbound;
using VmNet.Ovsdb.Operations;
using VmNet.Sandbox.Rig;
using VmNet.Tests.Ovsdb.Support;

namespace VmNet.Tests.Ovsdb;

/// <summary>kill -9 and restart of the real server under a connected client.</summary>
public sealed class ReconnectTests : IAsyncLifetime
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

    private static InsertOperation InsertSwitch(string name) =>
        new(LogicalSwitch.Table, new Dictionary<string, object?> { ["name"] = name });

    private async Task KillAsync()
    {
        await _server.Process.KillAsync();
        await Timeouts.UntilAsync(() => !_client.IsConnected, "client notices the lost connection");
    }

    [Fact]
    public async Task ResyncsAfterRestartAndPublishesOnlyTheDifferences()
    {
        await _server.NbctlAsync("ls-add", "keep", "--", "ls-add", "gone", "--", "ls-add", "changed");
        await Timeouts.UntilAsync(() => _client.Cache.Count(LogicalSwitch.Table) == 3, "3 switches cached");
        var changes = new ConcurrentQueue<RowChange>();
        using var subscription = _client.Cache.Subscribe(changes.Enqueue, LogicalSwitch.Table);

        await KillAsync();

        // Change the database while the server is down, so the resync has real differences to find.
        await CommandRunner.RunCheckedAsync("ovsdb-tool", ["transact", _server.Process.DatabasePath, """
            ["OVN_Northbound",
             {"op":"delete","table":"Logical_Switch","where":[["name","==","gone"]]},
             {"op":"update","table":"Logical_Switch","where":[["name","==","changed"]],"row":{"other_config":["map",[["k","v"]]]}},
             {"op":"insert","table":"Logical_Switch","row":{"name":"added"}}]
            """]);

        var during = _client.TransactAsync([InsertSwitch("during")], Timeouts.Token());
        await Task.Delay(300);
        Assert.False(during.IsCompleted, "a transaction issued during the outage must wait for the reconnection");

        await _server.Process.RestartAsync();
        var result = await during;
        Assert.NotEqual(Guid.Empty, result.InsertedUuid(0));
        Assert.True(_client.Reconnects >= 1);

        await Timeouts.UntilAsync(() => changes.Count >= 4, "resync and outage transaction changes");
        await Task.Delay(200);
        var byName = changes.ToLookup(c => (c.New ?? c.Old)!.Name);
        Assert.Equal(4, changes.Count);
        Assert.Equal(RowChangeKind.Delete, byName["gone"].Single().Kind);
        Assert.Equal(RowChangeKind.Insert, byName["added"].Single().Kind);
        Assert.Equal(RowChangeKind.Insert, byName["during"].Single().Kind);
        var changed = byName["changed"].Single();
        Assert.Equal(RowChangeKind.Update, changed.Kind);
        Assert.Empty(LogicalSwitch.FromRow(changed.Old!).OtherConfig);
        Assert.Equal("v", LogicalSwitch.FromRow(changed.New!).OtherConfig["k"]);
        Assert.Empty(byName["keep"]);

        Assert.Equal(1, _client.FullResyncs);
        Assert.Equal(["added", "changed", "during", "keep"], _client.Cache.Rows<LogicalSwitch>().Select(s => s.Name).Order(StringComparer.Ordinal));
        var listed = (await _server.NbctlAsync("--bare", "--columns=name", "find", "Logical_Switch", "name=during")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(listed);
    }

    [Fact]
    public async Task ALostReplyIsRecheckedAndAppliedOnce()
    {
        // The transaction blocks on a wait until "trigger" exists; the server dies while it waits.
        OvsdbOperation[] ops =
        [
            new WaitOperation(LogicalSwitch.Table, [Condition.Equal("name", "trigger")], ["name"], "!=", [], 30_000),
            InsertSwitch("once"),
        ];
        var attempt = _client.TransactWithRecheckAsync(
            ops,
            async (client, ct) => (await client.SelectAsync(LogicalSwitch.Table, [Condition.Equal("name", "once")], ["_uuid"], ct)).Count > 0,
            Timeouts.Token(TimeSpan.FromSeconds(40)));
        await Task.Delay(300);
        Assert.False(attempt.IsCompleted);

        await KillAsync();
        await _server.Process.RestartAsync();
        await _client.WaitConnectedAsync(Timeouts.Token());
        await _server.NbctlAsync("ls-add", "trigger");

        var outcome = await attempt;
        Assert.False(outcome.AppliedByEarlierAttempt);
        Assert.Single((await _server.NbctlAsync("--bare", "--columns=name", "find", "Logical_Switch", "name=once")).Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task ADirectTransactLostMidFlightThrowsOutcomeUnknown()
    {
        var blocked = _client.TransactAsync(
            [new WaitOperation(LogicalSwitch.Table, [Condition.Equal("name", "never")], ["name"], "!=", [], 30_000), InsertSwitch("x")],
            Timeouts.Token());
        await Task.Delay(300);
        await KillAsync();
        var ex = await Assert.ThrowsAsync<OvsdbOutcomeUnknownException>(() => blocked);
        Assert.Contains("outcome is unknown", ex.Message, StringComparison.Ordinal);
        await _server.Process.RestartAsync();
        await _client.WaitConnectedAsync(Timeouts.Token());
        Assert.Empty(await _client.SelectAsync(LogicalSwitch.Table, [Condition.Equal("name", "x")], null, Timeouts.Token()));
    }

    [Fact]
    public async Task AClusteredServerResumesFromTheLastTransactionId()
    {
        await using var clustered = await TestOvsdbServer.StartClusteredNorthboundAsync();
        await using var client = await clustered.ConnectAsync();
        await clustered.NbctlAsync("ls-add", "before");
        await Timeouts.UntilAsync(() => client.Cache.Count(LogicalSwitch.Table) == 1, "first switch cached");
        Assert.NotEqual(Guid.Empty, client.Cache.LastTransactionId.GetValueOrDefault());
        var changes = new ConcurrentQueue<RowChange>();
        using var subscription = client.Cache.Subscribe(changes.Enqueue, LogicalSwitch.Table);

        await clustered.Process.KillAsync();
        await Timeouts.UntilAsync(() => !client.IsConnected, "client notices the lost connection");
        var during = client.TransactAsync([InsertSwitch("during")], Timeouts.Token());
        await clustered.Process.RestartAsync();
        await clustered.NbctlAsync("ls-add", "after");
        await during;

        await Timeouts.UntilAsync(() => changes.Count >= 2, "changes after the restart");
        await Task.Delay(200);
        Assert.Equal(["after", "during"], changes.Select(c => c.New!.Name).Order(StringComparer.Ordinal));
        Assert.All(changes, c => Assert.Equal(RowChangeKind.Insert, c.Kind));
        Assert.Equal(0, client.FullResyncs);
        Assert.True(client.Resumes >= 1);
        Assert.Equal(["after", "before", "during"], client.Cache.Rows<LogicalSwitch>().Select(s => s.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task TheFirstConnectionCanWaitForAServerThatStartsLater()
    {
        var directory = Path.Combine(Path.GetTempPath(), "vmnet-ovsdb-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(directory);
        var options = OvsdbServerOptions.ForNorthbound(directory);
        try
        {
            var connecting = OvsdbClient.ConnectAsync(
                new OvsdbClientOptions
                {
                    Endpoints = [VmNet.Ovsdb.Wire.OvsdbEndpoint.Unix(Path.Combine(directory, options.Name + ".sock"))],
                    Database = "OVN_Northbound",
                    RetryInitialConnection = true,
                    ReconnectInitialDelay = TimeSpan.FromMilliseconds(50),
                    ReconnectMaxDelay = TimeSpan.FromMilliseconds(200),
                },
                Timeouts.Token());
            await Task.Delay(400);
            Assert.False(connecting.IsCompleted);
            await using var late = await OvsdbServerProcess.StartAsync(options);
            await using var client = await connecting;
            Assert.True(client.IsConnected);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
