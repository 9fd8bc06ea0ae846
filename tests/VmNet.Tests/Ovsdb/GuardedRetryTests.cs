using System.Text.Json;
using VmNet.Ovsdb.Client;
using VmNet.Ovsdb.Northbound;
using VmNet.Ovsdb.Operations;
using VmNet.Ovsdb;
using VmNet.Tests.Ovsdb.Support;

namespace VmNet.Tests.Ovsdb;

/// <summary>
/// The reply to a committed transaction is lost; the guarded re-send finds the guard failing and
/// reports the earlier commit instead of applying twice. Scripted peer, because a real server
/// cannot be made to lose exactly one reply after committing.
/// </summary>
public sealed class GuardedRetryTests
{
    private static readonly string Schema = File.ReadAllText("/usr/share/ovn/ovn-nb.ovsschema");

    private static long Id(JsonElement message) => message.GetProperty("id").GetInt64();

    private static async Task AnswerMonitorAsync(FakeConnection server)
    {
        var monitor = await server.ReadMessageAsync();
        Assert.Equal("monitor_cond_since", monitor.GetProperty("method").GetString());
        await server.SendAsync($"{{\"id\":{Id(monitor)},\"result\":[false,\"00000000-0000-0000-0000-000000000000\",{{}}],\"error\":null}}");
    }

    [Fact]
    public async Task AResentGuardedTransactionReportsTheEarlierCommit()
    {
        await using var peer = new FakeOvsdbPeer();
        var accept = peer.AcceptAsync();
        var connecting = OvsdbClient.ConnectAsync(
            new OvsdbClientOptions { Endpoints = [peer.Endpoint], Database = "OVN_Northbound", ReconnectInitialDelay = TimeSpan.FromMilliseconds(20) },
            Timeouts.Token());
        var first = await accept;
        var getSchema = await first.ReadMessageAsync();
        await first.SendAsync($"{{\"id\":{Id(getSchema)},\"result\":{Schema},\"error\":null}}");
        await first.RejectServerSchemaAsync();
        await AnswerMonitorAsync(first);
        await using var client = await connecting;

        var owner = new Ownership("Subnet", "once");
        var (_, ops) = NorthboundOps.CreateLogicalSwitch(new LogicalSwitch { Name = "once" }, owner);
        var attempt = client.TransactGuardedAsync(OvsdbGuards.RowAbsent(LogicalSwitch.Table, owner.Where()), ops, Timeouts.Token());

        // The server "commits" and dies before replying.
        var sent = await first.ReadMessageAsync();
        Assert.Equal("transact", sent.GetProperty("method").GetString());
        Assert.Equal("wait", sent.GetProperty("params")[1].GetProperty("op").GetString());
        var nextAccept = peer.AcceptAsync();
        first.Dispose();

        using var second = await nextAccept;
        await AnswerMonitorAsync(second);
        var resent = await second.ReadMessageAsync();
        Assert.Equal(sent.GetProperty("params").GetRawText(), resent.GetProperty("params").GetRawText());
        await second.SendAsync($"{{\"id\":{Id(resent)},\"result\":[{{\"error\":\"timed out\",\"details\":\"wait\"}},null],\"error\":null}}");

        var outcome = await attempt;
        Assert.True(outcome.AppliedByEarlierAttempt);
        Assert.Null(outcome.Result);
        Assert.Equal(1, client.Reconnects);
    }
}
