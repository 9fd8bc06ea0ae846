using VmNet.Addressing;
using VmNet.Controller.Ips;
using VmNet.Kube;
using VmNet.Kube.Models;
using VmNet.Ovsdb.Northbound;
using VmNet.Ovsdb;
using Xunit.Abstractions;

namespace VmNet.Controller.Tests.Addressing;

/// <summary>
/// Kills the controller at random API/OVSDB writes while 1,000 pods and VMs are created, deleted and restarted
/// on a subnet small enough that released addresses are handed out again, restarts it each time, and checks
/// the invariants: no address held by two IP CRs, no IP CR or port without an owner (after GC), every live
/// pod/VM addressed with its port present, and a rebuild without conflicts.
/// </summary>
public sealed class CrashSafetyTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task KillingTheControllerAtAnyStepNeverDuplicatesNorLosesAnAddress(int seed)
    {
        await using var h = await AddressingHarness.StartAsync();
        h.Options = h.Options with { DefaultCidr = "10.16.0.0/22" };
        var random = new Random(seed * 7919);
        var world = new ChurnWorld(h.Client, seed);

        Func<Task>[] phases =
        [
            () => world.CreatePodsAsync(350),
            () => world.CreateVmsAsync(150),
            () => world.CreatePodsAsync(350),
            () => world.CreateVmsAsync(150),
            () => world.DeletePodsAsync(250),
            () => world.RestartVmsAsync(100),
            () => world.CreatePodsAsync(250),
            () => world.DeleteVmsAsync(60),
        ];

        // Each phase runs while the controller is killed and restarted at least twice, at random writes.
        var kills = 0;
        foreach (var phase in phases)
        {
            var churn = Task.Run(phase);
            var cycles = 0;
            while (!churn.IsCompleted || cycles < 2)
            {
                var crash = new CrashSwitch(random.Next(1, 400));
                await h.StartControllerAsync(crash.Hook);
                await Task.WhenAny(crash.Killed.Task, Task.Delay(TimeSpan.FromSeconds(5)));
                await h.StopControllerAsync();
                cycles++;
                if (crash.Killed.Task.IsCompleted)
                {
                    kills++;
                    output.WriteLine($"kill {kills}: before {await crash.Killed.Task} (step {crash.Steps})");
                }
            }

            await churn;
        }

        await h.StartControllerAsync();
        output.WriteLine($"rebuild after {kills} kills: {h.Module!.LastRebuild!.FromIpCrs} from IP CRs, {h.Module.LastRebuild.FromPodAnnotations} from pods, {h.Module.LastRebuild.Conflicts.Count} conflicts");
        Assert.Empty(h.Module.LastRebuild.Conflicts);

        await ConvergeAsync(h, world);
    }

    private async Task ConvergeAsync(AddressingHarness h, ChurnWorld world)
    {
        var gc = h.Module!.GarbageCollector!;
        List<string> problems = [];
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            await gc.RunPassAsync(CancellationToken.None);
            problems = await FindProblemsAsync(h, world);
            if (problems.Count == 0 || DateTime.UtcNow > deadline)
            {
                break;
            }

            await Task.Delay(500);
        }

        Assert.True(problems.Count == 0, $"{problems.Count} problems:\n" + string.Join("\n", problems.Take(30)));
    }

    private static async Task<List<string>> FindProblemsAsync(AddressingHarness h, ChurnWorld world)
    {
        var problems = new List<string>();
        var ips = (await h.Client.ListAsync<V1IP>(null)).Items;
        var pods = (await h.Client.ListAsync<V1Pod>("default")).Items;

        foreach (var shared in ips.GroupBy(ip => (ip.Spec!.Subnet, ip.Spec.IpAddress)).Where(g => g.Count() > 1))
        {
            problems.Add($"address {shared.Key.IpAddress} held by IP CRs {string.Join(", ", shared.Select(i => i.Metadata!.Name))}");
        }

        var expectedCrs = new HashSet<string>(world.LivePods.Select(p => $"{p}.default").Concat(world.LiveVms.Select(v => $"{v}.default")));
        foreach (var ip in ips.Where(i => !expectedCrs.Contains(i.Metadata!.Name!)))
        {
            problems.Add($"IP CR {ip.Metadata!.Name} has no owner (deleting: {ip.Metadata.DeletionTimestamp is not null})");
        }

        var byName = ips.ToDictionary(i => i.Metadata!.Name!);
        foreach (var pod in pods)
        {
            var a = pod.Metadata!.Annotations;
            var port = a?.GetValueOrDefault("ovn.kubernetes.io/virtualmachine") is { } vm ? $"{vm}.default" : $"{pod.Metadata.Name}.default";
            if (a?.GetValueOrDefault("ovn.kubernetes.io/allocated") != "true" || a.GetValueOrDefault("ovn.kubernetes.io/routed") != "true")
            {
                problems.Add($"pod {pod.Metadata.Name} not addressed");
                continue;
            }

            if (!byName.TryGetValue(port, out var ip) || ip.Spec!.IpAddress != a["ovn.kubernetes.io/ip_address"] || ip.Spec.MacAddress != a["ovn.kubernetes.io/mac_address"])
            {
                problems.Add($"pod {pod.Metadata.Name}: annotation {a["ovn.kubernetes.io/ip_address"]} does not match IP CR {port}");
            }
        }

        foreach (var missing in expectedCrs.Where(n => !byName.ContainsKey(n)))
        {
            problems.Add($"live owner {missing} has no IP CR");
        }

        var cache = h.Context!.Northbound.Cache;
        var ports = cache.FindOwnedByKind(LogicalSwitchPort.Table, IpCrLabels.PodOwner)
            .Concat(cache.FindOwnedByKind(LogicalSwitchPort.Table, IpCrLabels.VirtualMachineOwner))
            .Select(LogicalSwitchPort.FromRow)
            .ToDictionary(p => p.Name);
        foreach (var ip in ips)
        {
            var expected = $"{ip.Spec!.MacAddress} {ip.Spec.IpAddress}";
            if (!ports.TryGetValue(ip.Metadata!.Name!, out var lsp) || lsp.Addresses.FirstOrDefault() != expected)
            {
                problems.Add($"IP CR {ip.Metadata.Name}: LSP missing or addresses differ ({(lsp is null ? "none" : string.Join('|', lsp.Addresses))} vs {expected})");
            }

            if (h.Context.Ipam.FindByNic(ip.Metadata.Name!)?.IpAddressAnnotation != ip.Spec.IpAddress)
            {
                problems.Add($"IP CR {ip.Metadata.Name}: IPAM does not hold {ip.Spec.IpAddress}");
            }
        }

        foreach (var orphan in ports.Keys.Where(n => !byName.ContainsKey(n)))
        {
            problems.Add($"LSP {orphan} has no IP CR");
        }

        return problems;
    }
}
