using VmNet.Controller.Pods;
using VmNet.Ovsdb;
using VmNet.Ovsdb.Client;
using VmNet.Ovsdb.Errors;
using VmNet.Ovsdb.Northbound;
using VmNet.TestSupport;

namespace VmNet.Controller.Tests.Addressing;

/// <summary>The batcher against a real OVN_Northbound ovsdb-server.</summary>
public sealed class NorthboundBatcherTests : IClassFixture<NorthboundOvsdbFixture>
{
    private readonly NorthboundOvsdbFixture _nb;

    public NorthboundBatcherTests(NorthboundOvsdbFixture nb) => _nb = nb;

    [Fact]
    public async Task ConcurrentChangesCommitAndABadOneFailsAlone()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var client = await OvsdbClient.ConnectAsync(
            new OvsdbClientOptions { Endpoints = OvsdbClientOptions.ParseRemotes(_nb.UnixConnection), Database = "OVN_Northbound" }, timeout.Token);
        var owner = new Ownership("Subnet", "batch-ls");
        var (_, lsOps) = NorthboundOps.CreateLogicalSwitch(new LogicalSwitch { Name = "batch-ls" }, owner);
        await client.TransactAsync(lsOps, timeout.Token);
        var ls = await client.Cache.WaitForRowAsync(LogicalSwitch.Table, r => r.Name == "batch-ls", timeout.Token);

        var batcher = new NorthboundBatcher(client);
        using var stop = new CancellationTokenSource();
        var loop = batcher.RunAsync(stop.Token);
        IReadOnlyList<Task> Create(int count, string prefix) =>
            [.. Enumerable.Range(0, count).Select(i =>
            {
                var (_, ops) = NorthboundOps.CreateLogicalSwitchPort(ls.Uuid, new LogicalSwitchPort { Name = $"{prefix}-{i}" }, new Ownership("Pod", $"ns/{prefix}-{i}"));
                return batcher.TransactAsync(ops, timeout.Token);
            })];

        await Task.WhenAll(Create(1, "dup"));
        var good = Create(100, "p");
        var duplicate = Create(1, "dup")[0];
        await Task.WhenAll(good);
        await Assert.ThrowsAnyAsync<OvsdbTransactionException>(() => duplicate);

        await client.Cache.WaitForRowAsync(LogicalSwitch.Table, r => r.Uuid == ls.Uuid && r.GetSet<Guid>("ports").Count == 101, timeout.Token);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => loop);
    }
}
