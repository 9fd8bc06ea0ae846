using VmNet.Controller.Hosting;
using VmNet.Controller.Nodes;
using VmNet.Controller.Pods;
using VmNet.Controller.Tests.Addressing;
using VmNet.Controller.Tests.Topology;
using VmNet.Kube;
using VmNet.Kube.Models;

namespace VmNet.Controller.Tests.Nodes;

/// <summary>
/// The controller "dies" before its N-th write while giving nodes their join addresses (and while releasing
/// one), for every N up to past the last write; a healthy controller started after each crash must end with
/// every node holding one address of its own, recorded identically in annotations, IP CR, LSP and IPAM.
/// </summary>
public sealed class NodeCrashSafetyTests
{
    [Fact]
    public async Task ACrashAtAnyWriteLeavesNoSharedOrLostJoinAddress()
    {
        await using var harness = await TopologyHarness.StartAsync();
        var nodes = new List<string>();
        for (var crashAt = 1; crashAt <= 5; crashAt++)
        {
            var crash = new CrashSwitch(crashAt);
            var dying = await harness.StartControllerAsync(harness.Options($"dying-{crashAt}"), [new TopologyModule(), new AddressingModule(crash.Hook), new NodesModule()]);
            var name = $"n{crashAt}";
            nodes.Add(name);
            await NodeWorld.CreateAsync(harness.Client, name, $"172.18.1.{crashAt}");
            if (crashAt == 4)
            {
                // One crash lands in a release: n1 is deleted while this controller dies.
                await harness.Client.DeleteAsync<V1Node>(null, "n1");
                nodes.Remove("n1");
            }

            await Task.WhenAny(crash.Killed.Task, Task.Delay(TimeSpan.FromSeconds(10)));
            await dying.StopAsync();

            // A node takes three writes (IP CR, join port, annotations), a release more: up to 4 the crash must hit.
            Assert.True(crashAt > 4 || crash.Killed.Task.IsCompleted, $"no crash at write {crashAt} ({crash.Steps} writes)");

            var healthy = await harness.StartControllerAsync(harness.Options($"healthy-{crashAt}"), ControllerModules.Discover());
            await AssertConsistentAsync(harness, healthy, nodes);
            await healthy.StopAsync();
        }
    }

    private static async Task AssertConsistentAsync(TopologyHarness harness, RunningController controller, IReadOnlyList<string> nodes)
    {
        var addresses = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in nodes)
        {
            var annotations = (await NodeWorld.JoinedAsync(harness, node)).Metadata!.Annotations!;
            var ip = annotations["ovn.kubernetes.io/ip_address"];
            var mac = annotations["ovn.kubernetes.io/mac_address"];
            Assert.True(addresses.Add(ip), $"join address {ip} given twice");
            var cr = await harness.Client.GetAsync<V1IP>(null, NodeFacts.PortName(node));
            Assert.Equal((ip, mac), (cr.Spec!.IpAddress, cr.Spec.MacAddress));
            await TopologyHarness.EventuallyAsync(
                async () => (await harness.Central.Central.NbctlAsync(["lsp-get-addresses", NodeFacts.PortName(node)])).Stdout.Trim(),
                a => a == $"{mac} {ip}",
                $"LSP {NodeFacts.PortName(node)} addresses");
            Assert.Equal(ip, controller.Context.Ipam.FindByNic(NodeFacts.PortName(node))?.IpAddressAnnotation);
        }

        // Nothing else holds a join address (a deleted node's address is released, nothing leaked).
        await TopologyHarness.EventuallyAsync(
            () => Task.FromResult(controller.Context.Ipam.FindSubnet("join")!.Allocations().Select(a => a.NicKey).Order(StringComparer.Ordinal).ToArray()),
            keys => keys.SequenceEqual(nodes.Select(NodeFacts.PortName).Order(StringComparer.Ordinal)),
            "join allocations = live nodes");
        await TopologyHarness.EventuallyAsync(
            async () => (await harness.Client.ListAsync<V1IP>(null)).Items.Where(i => i.Spec?.Subnet == "join").Select(i => i.Metadata!.Name!).Order(StringComparer.Ordinal).ToArray(),
            names => names.SequenceEqual(nodes.Select(NodeFacts.PortName).Order(StringComparer.Ordinal)),
            "join IP CRs = live nodes");
    }
}
