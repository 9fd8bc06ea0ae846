using VmNet.Controller.Hosting;

namespace VmNet.Controller.Tests.Topology;

public sealed class RestartTests
{
    [Fact]
    public async Task RestartReconcilesToTheSameStateWithoutDuplicates()
    {
        await using var harness = await TopologyHarness.StartAsync();
        var first = await harness.StartControllerAsync(harness.Options("ctl-a"));
        await harness.CreateSubnetAsync("red", "10.80.0.0/24");
        await harness.CreateSubnetAsync("green", "10.81.0.0/24,fd00:81::/112");
        foreach (var name in new[] { "ovn-default", "join", "red", "green" })
        {
            await harness.WaitSubnetConditionAsync(name, KubeOvnConditions.Ready, "True");
        }

        // "loser" overlaps "red" and is rejected; a restart must not swap the winner.
        await harness.CreateSubnetAsync("loser", "10.80.0.128/25");
        await harness.WaitSubnetConditionAsync("loser", KubeOvnConditions.Validated, "False");

        var before = await SnapshotAsync(harness);
        var redMac = first.Context.Ipam.FindSubnet("red")!.Definition.GatewayMac;
        await first.StopAsync();

        var second = await harness.StartControllerAsync(harness.Options("ctl-b"));
        foreach (var name in new[] { "ovn-default", "join", "red", "green" })
        {
            await TopologyHarness.EventuallyAsync(() => Task.FromResult(second.Context.Subnets.IsReady(name)), r => r, $"{name} ready after restart");
        }

        Assert.False(second.Context.Subnets.IsReady("loser"));
        Assert.Null(second.Context.Ipam.FindSubnet("loser"));
        Assert.Equal("False", KubeOvnConditions.Find((await harness.GetSubnetAsync("loser")).Status!.Conditions, KubeOvnConditions.Validated)!.Status);

        // Let the queues settle, then compare row for row.
        await Task.Delay(1000);
        var after = await SnapshotAsync(harness);
        Assert.Equal(before, after);
        Assert.Equal(redMac, second.Context.Ipam.FindSubnet("red")!.Definition.GatewayMac);
        Assert.Equal(4, after.Count(l => l.StartsWith("Logical_Switch ", StringComparison.Ordinal)));
        Assert.Equal(1, after.Count(l => l.StartsWith("Logical_Router ", StringComparison.Ordinal)));
    }

    private static async Task<List<string>> SnapshotAsync(TopologyHarness harness)
    {
        var lines = new List<string>();
        foreach (var table in new[] { "Logical_Switch", "Logical_Switch_Port", "Logical_Router", "Logical_Router_Port" })
        {
            foreach (var row in await harness.ListAsync(table))
            {
                var detail = table switch
                {
                    "Logical_Router_Port" => $"{row.String("mac")} {string.Join(',', row.Set("networks").Order(StringComparer.Ordinal))}",
                    "Logical_Switch" or "Logical_Router" => string.Join(',', row.Set("ports").Order(StringComparer.Ordinal)),
                    _ => string.Join(',', row.Set("addresses")),
                };
                lines.Add($"{table} {row.Name} {row.Uuid} {detail}");
            }
        }

        lines.Sort(StringComparer.Ordinal);
        return lines;
    }
}
