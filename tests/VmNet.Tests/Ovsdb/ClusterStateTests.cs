using VmNet.Ovsdb.Client;
using VmNet.Tests.Ovsdb.Support;

namespace VmNet.Tests.Ovsdb;

/// <summary>The client's _Server checks: which member of a clustered database it may use, and when.</summary>
public sealed class ClusterStateTests
{
    // The Database table of ovsdb-server's built-in _Server schema (OVS 3.1), as the fake server announces it.
    private const string ServerSchema = """
        {"name":"_Server","version":"1.2.0","tables":{"Database":{"columns":{
          "name":{"type":"string"},
          "model":{"type":{"key":{"type":"string","enum":["set",["clustered","relay","standalone"]]}}},
          "connected":{"type":"boolean"},"leader":{"type":"boolean"},
          "schema":{"type":{"key":"string","min":0}},"cid":{"type":{"key":"uuid","min":0}},
          "sid":{"type":{"key":"uuid","min":0}},"index":{"type":{"key":"integer","min":0}}}}}}
        """;

    private static readonly Guid DatabaseRow = Guid.NewGuid();

    [Fact]
    public async Task WithLeaderOnlyAFollowerIsPassedOverForTheLeader()
    {
        await using var leader = await TestOvsdbServer.StartClusteredNorthboundAsync();
        await using var follower = await TestOvsdbServer.JoinClusterAsync(leader);
        await follower.NbctlAsync("ls-add", "written-via-follower");

        await using var client = await OvsdbClient.ConnectAsync(
            new OvsdbClientOptions
            {
                Endpoints = [follower.Unix, leader.Unix],
                Database = "OVN_Northbound",
                RetryInitialConnection = true,
                ReconnectInitialDelay = TimeSpan.FromMilliseconds(20),
                ReconnectMaxDelay = TimeSpan.FromMilliseconds(100),
            },
            Timeouts.Token());

        Assert.Equal(leader.Unix.ToString(), client.CurrentServer);
        Assert.Equal("written-via-follower", Assert.Single(client.Cache.Rows("Logical_Switch")).Name);
        Assert.True(client.HighestAppliedIndex > 0);

        await using var anyMember = await OvsdbClient.ConnectAsync(
            new OvsdbClientOptions { Endpoints = [follower.Unix], Database = "OVN_Northbound", LeaderOnly = false },
            Timeouts.Token());
        Assert.Equal(follower.Unix.ToString(), anyMember.CurrentServer);
    }

    [Fact]
    public async Task AReconnectWaitsUntilTheServerHasAppliedWhatWasSeenBefore()
    {
        await using var peer = new FakeOvsdbPeer();
        var lastTxn = Guid.NewGuid();
        var (client, first) = await ConnectToFakeAsync(peer, index: 7, lastTxn);
        await using var clientLifetime = client;
        Assert.Equal(7, client.HighestAppliedIndex);

        // A later commit raises what the client has seen; then the server "restarts".
        await first.SendAsync(ServerUpdate("\"index\":9"));
        await Timeouts.UntilAsync(() => client.HighestAppliedIndex == 9, "index 9 seen");
        var secondAccept = peer.AcceptAsync();
        first.Dispose();
        using var second = await secondAccept;

        // It comes back having applied only index 8: the cache monitor must wait for it.
        await AnswerServerMonitorAsync(second, index: 8);
        var next = second.ReadMessageAsync();
        Assert.NotSame(next, await Task.WhenAny(next, Task.Delay(400)));

        await second.SendAsync(ServerUpdate("\"index\":9"));
        var since = await next;
        Assert.Equal("monitor_cond_since", since.GetProperty("method").GetString());
        Assert.Equal(lastTxn.ToString(), since.GetProperty("params")[3].GetString());
    }

    [Fact]
    public async Task ALeaderThatStepsDownIsLeftForANewConnection()
    {
        await using var peer = new FakeOvsdbPeer();
        var (client, first) = await ConnectToFakeAsync(peer, index: 3, Guid.NewGuid());
        await using var clientLifetime = client;
        using var firstConnection = first;

        var reconnect = peer.AcceptAsync();
        await first.SendAsync(ServerUpdate("\"leader\":false"));
        using var second = await reconnect.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.False(client.IsConnected);
        Assert.Null(client.CurrentServer);
    }

    /// <summary>Connects a client to the scripted server, which announces a clustered leader at <paramref name="index"/>.</summary>
    private static async Task<(OvsdbClient Client, FakeConnection Connection)> ConnectToFakeAsync(FakeOvsdbPeer peer, long index, Guid lastTxn)
    {
        var accept = peer.AcceptAsync();
        var connecting = OvsdbClient.ConnectAsync(
            new OvsdbClientOptions
            {
                Endpoints = [peer.Endpoint],
                Database = "OVN_Northbound",
                Tables = ["Logical_Switch"],
                ReconnectInitialDelay = TimeSpan.FromMilliseconds(20),
                ProbeInterval = TimeSpan.FromMinutes(1), // the fake never answers echo: no reconnect for that reason
            },
            Timeouts.Token());
        var connection = await accept;
        await AnswerAsync(connection, "get_schema", await File.ReadAllTextAsync("/usr/share/ovn/ovn-nb.ovsschema"));
        await AnswerAsync(connection, "get_schema", ServerSchema);
        await AnswerServerMonitorAsync(connection, index);
        await AnswerAsync(connection, "monitor_cond_since", $"[false,\"{lastTxn}\",{{}}]");
        return (await connecting, connection);
    }

    private static async Task AnswerAsync(FakeConnection connection, string method, string result)
    {
        var request = await connection.ReadMessageAsync();
        Assert.Equal(method, request.GetProperty("method").GetString());
        await connection.SendAsync($"{{\"id\":{request.GetProperty("id").GetInt64()},\"result\":{result},\"error\":null}}");
    }

    private static async Task AnswerServerMonitorAsync(FakeConnection connection, long index)
    {
        var request = await connection.ReadMessageAsync();
        Assert.Equal("monitor_cond", request.GetProperty("method").GetString());
        Assert.Equal("_Server", request.GetProperty("params")[0].GetString());
        var row = $"{{\"name\":\"OVN_Northbound\",\"model\":\"clustered\",\"connected\":true,\"leader\":true,\"index\":{index}}}";
        await connection.SendAsync($"{{\"id\":{request.GetProperty("id").GetInt64()},\"result\":{{\"Database\":{{\"{DatabaseRow}\":{{\"initial\":{row}}}}}}},\"error\":null}}");
    }

    private static string ServerUpdate(string modify) =>
        $"{{\"id\":null,\"method\":\"update2\",\"params\":[\"vmnet-server\",{{\"Database\":{{\"{DatabaseRow}\":{{\"modify\":{{{modify}}}}}}}}}]}}";
}
