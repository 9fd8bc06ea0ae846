using System.Diagnostics;
using VmNet.Controller.Hosting;
using VmNet.Kube;
using VmNet.Kube.Models;
using Xunit.Abstractions;

namespace VmNet.Controller.Tests.Topology;

public sealed class ScaleTests(ITestOutputHelper output)
{
    private const int SubnetCount = 100;

    [Fact]
    public async Task HundredSubnetsAtOnceAllBecomeReadyWithOneSwitchAndPortPairEach()
    {
        await using var harness = await TopologyHarness.StartAsync();
        var startup = Stopwatch.StartNew();
        var controller = await harness.StartControllerAsync(harness.Options() with { WorkerCount = 3 });
        await harness.WaitDefaultTopologyAsync();
        output.WriteLine($"BENCH controller_start_to_default_topology {startup.ElapsedMilliseconds} ms");

        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, SubnetCount).Select(i => harness.CreateSubnetAsync($"s{i:D3}", $"10.{100 + (i / 100)}.{i % 100}.0/24")));
        await TopologyHarness.EventuallyAsync(
            async () => (await harness.Client.ListAsync<V1Subnet>(null)).Items.Count(s => KubeOvnConditions.IsTrue(s.Status?.Conditions, KubeOvnConditions.Ready)),
            ready => ready == SubnetCount + 2,
            $"{SubnetCount + 2} ready subnets",
            TimeSpan.FromSeconds(120));
        output.WriteLine($"BENCH subnets_created_to_ready {SubnetCount} subnets {clock.ElapsedMilliseconds} ms");

        var switches = await harness.ListAsync("Logical_Switch");
        var routerPorts = await harness.ListAsync("Logical_Router_Port");
        Assert.Equal(SubnetCount + 2, switches.Count);
        Assert.Equal(SubnetCount + 2, switches.Select(s => s.Name).Distinct().Count());
        Assert.Equal(SubnetCount + 2, routerPorts.Count);
        Assert.Equal(SubnetCount + 2, (await harness.FindAsync("Logical_Router", "ovn-cluster"))!.Set("ports").Count);
        Assert.Equal(SubnetCount + 2, controller.Context.Ipam.SubnetNames.Count);

        var vpc = await TopologyHarness.EventuallyAsync(() => harness.Client.GetAsync<V1Vpc>(null, "ovn-cluster"), v => v.Status?.Subnets?.Count == SubnetCount + 2, "vpc lists every subnet");
        Assert.Contains("s099", vpc.Status!.Subnets!);
    }
}
