using VmNet.Controller.Hosting;
using VmNet.Controller.Tests.Topology;
using VmNet.Kube;
using VmNet.Kube.Models;

namespace VmNet.Controller.Tests.Hosting;

/// <summary>The real controller (every discovered module: topology and addressing) end to end.</summary>
public sealed class FullControllerTests
{
    [Fact]
    public void DiscoveredModulesRunInPipelineOrder()
    {
        var modules = ControllerModules.Discover();
        Assert.Contains(modules, m => m is TopologyModule);
        Assert.True(modules.Select(m => m.Order).SequenceEqual(modules.Select(m => m.Order).Order()));
        Assert.Equal(StartupOrder.SubnetsInIpam, modules[0].Order);
        Assert.All(modules, m => Assert.DoesNotContain("Test", m.GetType().Name, StringComparison.Ordinal));
    }

    [Fact]
    public async Task PodsInTwoSubnetsGetAddressesOnTheTopologyAndTheirPortsAreRouted()
    {
        await using var harness = await TopologyHarness.StartAsync();
        await harness.StartControllerAsync(harness.Options() with { GcInterval = TimeSpan.FromMinutes(5) }, ControllerModules.Discover());
        await harness.Client.CreateAsync(new V1Subnet
        {
            Metadata = new V1ObjectMeta { Name = "team" },
            Spec = new V1SubnetSpec { CidrBlock = "10.95.0.0/24", Namespaces = ["team-ns"] },
        });
        await harness.WaitSubnetConditionAsync("team", KubeOvnConditions.Ready, "True");
        await harness.Client.CreateAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "team-ns" } });

        await harness.Client.CreateAsync(Pod("default", "web"));
        await harness.Client.CreateAsync(Pod("team-ns", "db"));
        var web = await AddressedAsync(harness, "default", "web");
        var db = await AddressedAsync(harness, "team-ns", "db");
        Assert.Equal("ovn-default", web.Metadata!.Annotations!["ovn.kubernetes.io/logical_switch"]);
        Assert.Equal("team", db.Metadata!.Annotations!["ovn.kubernetes.io/logical_switch"]);
        Assert.StartsWith("10.16.", web.Metadata.Annotations["ovn.kubernetes.io/ip_address"], StringComparison.Ordinal);
        Assert.StartsWith("10.95.0.", db.Metadata.Annotations["ovn.kubernetes.io/ip_address"], StringComparison.Ordinal);

        // Usage in the Subnet status follows the allocation.
        await TopologyHarness.EventuallyAsync(() => harness.GetSubnetAsync("team"), s => s.Status?.V4usingIPs == 1m, "team v4usingIPs=1");

        // The pod ports sit on the topology's switches and ovn-trace routes web → db through ovn-cluster.
        var central = harness.Central.Central;
        await central.NbctlAsync(["--wait=sb", "sync"]);
        var webIp = web.Metadata.Annotations["ovn.kubernetes.io/ip_address"];
        var dbIp = db.Metadata.Annotations["ovn.kubernetes.io/ip_address"];
        var gatewayMac = (await harness.FindAsync("Logical_Router_Port", "ovn-cluster-ovn-default"))!.String("mac");
        var flow = $"inport == \"web.default\" && eth.src == {web.Metadata.Annotations["ovn.kubernetes.io/mac_address"]} && eth.dst == {gatewayMac} && ip4.src == {webIp} && ip4.dst == {dbIp} && ip.ttl == 64 && icmp4.type == 8";
        var trace = (await central.TraceAsync(["ovn-default", flow])).Stdout;
        Assert.Contains("ip.ttl--", trace, StringComparison.Ordinal);
        Assert.Contains("outport=\"db.team-ns\"", trace, StringComparison.Ordinal);
    }

    private static V1Pod Pod(string ns, string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Namespace = ns },
        Spec = new V1PodSpec { NodeName = "node-1", Containers = [new V1Container { Name = "c", Image = "busybox" }] },
    };

    private static Task<V1Pod> AddressedAsync(TopologyHarness harness, string ns, string name) =>
        TopologyHarness.EventuallyAsync(
            () => harness.Client.GetAsync<V1Pod>(ns, name),
            p => p.Metadata?.Annotations?.GetValueOrDefault("ovn.kubernetes.io/allocated") == "true",
            $"pod {ns}/{name} addressed");
}
