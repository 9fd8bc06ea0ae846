using VmNet.Ovsdb.Client;
using VmNet.Ovsdb.Northbound;
using VmNet.Ovsdb.Operations;
using VmNet.Tests.Ovsdb.Support;

namespace VmNet.Tests.Ovsdb;

/// <summary>
/// Over TCP ovsdb-server probes an idle client with echo after ~5 s and drops it ~5 s later unless
/// it answers. With our own probe off, only answering the server's echo keeps the session alive.
/// </summary>
public sealed class KeepaliveTests
{
    [Fact]
    public async Task AnIdleTcpClientSurvivesTheServersInactivityProbe()
    {
        await using var server = await TestOvsdbServer.StartNorthboundAsync();
        await using var client = await OvsdbClient.ConnectAsync(
            new OvsdbClientOptions { Endpoints = [server.Tcp], Database = "OVN_Northbound", ProbeInterval = TimeSpan.Zero },
            Timeouts.Token());
        await Task.Delay(TimeSpan.FromSeconds(12));
        Assert.True(client.IsConnected);
        await client.TransactAsync([new InsertOperation(LogicalSwitch.Table, new Dictionary<string, object?> { ["name"] = "still-here" })], Timeouts.Token());
        Assert.Equal(0, client.Reconnects);
        Assert.DoesNotContain("inactivity", await File.ReadAllTextAsync(server.Process.LogPath), StringComparison.OrdinalIgnoreCase);
    }
}
