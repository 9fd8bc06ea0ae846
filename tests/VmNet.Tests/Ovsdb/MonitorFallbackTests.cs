using System.Text.Json;
using VmNet.Ovsdb.Client;
using VmNet.Tests.Ovsdb.Support;

namespace VmNet.Tests.Ovsdb;

/// <summary>A server without monitor_cond_since: the client falls back to monitor_cond and still fills its cache.</summary>
public sealed class MonitorFallbackTests
{
    [Fact]
    public async Task FallsBackToMonitorCondWhenMonitorCondSinceIsUnknown()
    {
        await using var peer = new FakeOvsdbPeer();
        var accept = peer.AcceptAsync();
        var connecting = OvsdbClient.ConnectAsync(
            new OvsdbClientOptions { Endpoints = [peer.Endpoint], Database = "OVN_Northbound", Tables = ["Logical_Switch"] },
            Timeouts.Token());
        using var server = await accept;

        var getSchema = await server.ReadMessageAsync();
        Assert.Equal("get_schema", getSchema.GetProperty("method").GetString());
        var schemaJson = await File.ReadAllTextAsync("/usr/share/ovn/ovn-nb.ovsschema");
        await server.SendAsync($"{{\"id\":{getSchema.GetProperty("id").GetInt64()},\"result\":{schemaJson},\"error\":null}}");

        // A server older than OVS 2.9 has no _Server database: the client goes on without the cluster check.
        await server.RejectServerSchemaAsync();

        var since = await server.ReadMessageAsync();
        Assert.Equal("monitor_cond_since", since.GetProperty("method").GetString());
        Assert.Equal("00000000-0000-0000-0000-000000000000", since.GetProperty("params")[3].GetString());
        await server.SendAsync($"{{\"id\":{since.GetProperty("id").GetInt64()},\"result\":null,\"error\":{{\"error\":\"unknown method\"}}}}");

        var monitor = await server.ReadMessageAsync();
        Assert.Equal("monitor_cond", monitor.GetProperty("method").GetString());
        Assert.Equal(JsonValueKind.Array, monitor.GetProperty("params")[2].GetProperty("Logical_Switch").ValueKind);
        var uuid = Guid.NewGuid();
        await server.SendAsync($"{{\"id\":{monitor.GetProperty("id").GetInt64()},\"result\":{{\"Logical_Switch\":{{\"{uuid}\":{{\"initial\":{{\"name\":\"from-fake\"}}}}}}}},\"error\":null}}");

        await using var client = await connecting;
        var row = Assert.Single(client.Cache.Rows("Logical_Switch"));
        Assert.Equal(uuid, row.Uuid);
        Assert.Equal("from-fake", row.Name);

        // update2 notifications of the fallback monitor are applied too.
        await server.SendAsync($"{{\"id\":null,\"method\":\"update2\",\"params\":[\"vmnet-cache\",{{\"Logical_Switch\":{{\"{uuid}\":{{\"modify\":{{\"name\":\"renamed\"}}}}}}}}]}}");
        await Timeouts.UntilAsync(() => client.Cache.Get("Logical_Switch", uuid)?.Name == "renamed", "modify applied");
    }
}
