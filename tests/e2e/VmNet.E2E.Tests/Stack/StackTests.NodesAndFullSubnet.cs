using VmNet.Kube;
using VmNet.Kube.Models;
using VmNet.Sandbox.Stack;

namespace VmNet.E2E.Stack;

/// <summary>
/// Two gaps closed in the controller, seen through the whole stack: a full subnet makes the CNI ADD fail with the
/// right code while the pod's event names the subnet, and the retried ADD gets a freed address; a deleted Node's
/// Southbound Chassis goes while the chassis of the live nodes (real ovn-controllers) stay, tagged with their node.
/// </summary>
public sealed partial class StackTests
{
    [Fact]
    public async Task AFullSubnetFailsTheAddNamingThePodThenTheRetrySucceedsOnceAnAddressIsFreed()
    {
        var subnet = "full-" + Stack.Rig.RunId.Value;

        // A /29 keeps .1 for the gateway; with .2-.4 excluded exactly .5 and .6 are left.
        await Stack.Kube.CreateAsync(new V1Subnet
        {
            Metadata = new V1ObjectMeta { Name = subnet },
            Spec = new V1SubnetSpec { CidrBlock = "10.97.0.0/29", Protocol = "IPv4", ExcludeIps = ["10.97.0.2..10.97.0.4"] },
        });
        var onSubnet = new Dictionary<string, string> { ["ovn.kubernetes.io/logical_switch"] = subnet };
        var fillers = new List<StackPod>();
        StackPod? waiting = null;
        try
        {
            foreach (var label in new[] { "fill1", "fill2" })
            {
                var filler = await Kubelet.CreatePodAsync(new PodRequest(fixture.Node1) { Label = label, Annotations = onSubnet });
                fillers.Add(filler);
                await StackAssert.EventuallyAsync(Stack, $"{filler} addressed", async () => (await Kubelet.GetPodAsync(filler)).Metadata?.Annotations?.GetValueOrDefault("ovn.kubernetes.io/allocated") == "true", 30);
            }

            waiting = await Kubelet.CreatePodAsync(new PodRequest(fixture.Node2) { Label = "waits", Annotations = onSubnet });
            var outcome = await Kubelet.AddAsync(waiting);
            StackAssert.Failed(outcome, 111, $"{waiting.Namespace}/{waiting.Name}");
            Assert.Contains("ovn.kubernetes.io/allocated", outcome.ErrorText, StringComparison.Ordinal);
            // The CNI error carries the controller's reason, so kubelet's event names the full subnet too.
            Assert.Contains($"controller: AcquireAddressFailed: ", outcome.ErrorText, StringComparison.Ordinal);
            Assert.Contains($"subnet: \"{subnet}\" has no available IPv4 address", outcome.ErrorText, StringComparison.Ordinal);
            var events = await Stack.Kube.ListAsync<CoreV1Event>(waiting.Namespace);
            var warning = events.Items.FirstOrDefault(e => e.InvolvedObject?.Name == waiting.Name && e.Reason == "AcquireAddressFailed");
            Assert.True(warning?.Message?.Contains($"subnet: \"{subnet}\" has no available IPv4 address", StringComparison.Ordinal) == true, warning?.Message ?? "no AcquireAddressFailed event");

            // Nothing half-made: no veth or OVS port on the node, no IP CR, no logical port.
            await StackAssert.NothingLeftAsync(waiting);
            await Assert.ThrowsAsync<KubeNotFoundException>(() => Stack.Kube.GetAsync<V1IP>(null, waiting.PortName));
            Assert.DoesNotContain(waiting.PortName, (await Stack.Rig.Central.NbctlAsync(["lsp-list", subnet])).Stdout, StringComparison.Ordinal);

            // kubelet retries the sandbox after an address was freed: the ADD succeeds with that address.
            var freed = await StackAssert.AnnotationAsync(Stack, fillers[0], "ovn.kubernetes.io/ip_address");
            await Kubelet.RemovePodAsync(fillers[0]);
            fillers.RemoveAt(0);
            await StackAssert.EventuallyAsync(Stack, $"{waiting} addressed with {freed}", async () => (await Kubelet.GetPodAsync(waiting)).Metadata?.Annotations?.GetValueOrDefault("ovn.kubernetes.io/ip_address") == freed, 30);
            var retried = await Kubelet.AddAsync(waiting);
            StackAssert.Succeeded(retried, Stack);
            Assert.Equal(freed + "/29", retried.FirstAddress);
        }
        finally
        {
            foreach (var pod in fillers.Append(waiting).OfType<StackPod>())
            {
                await Kubelet.RemovePodAsync(pod);
            }

            await Stack.Kube.DeleteAsync<V1Subnet>(null, subnet);
        }
    }

    [Fact]
    public async Task ADeletedNodesChassisGoesAndTheLiveNodesChassisStayTagged()
    {
        var central = Stack.Rig.Central;
        foreach (var node in Stack.Nodes)
        {
            await StackAssert.EventuallyAsync(Stack, $"chassis of {node.Name} tagged node={node.Name}", async () =>
                (await central.SbctlAsync(["--bare", "--columns=external_ids", "find", "Chassis", "hostname=" + node.Name])).Stdout.Split(' ', '\n').Contains("node=" + node.Name));
        }

        // A node whose ovn-controller is already stopped, as Kube-OVN's node removal guide asks: its chassis stays in SB.
        var gone = "gone-" + Stack.Rig.RunId.Value;
        await central.SbctlAsync(["chassis-add", gone, "geneve", "192.0.2.78", "--", "set", "Chassis", gone, "hostname=" + gone]);
        await Stack.Kube.CreateAsync(new V1Node { Metadata = new V1ObjectMeta { Name = gone } });
        await StackAssert.EventuallyAsync(Stack, $"chassis {gone} tagged", async () =>
            (await central.SbctlAsync(["--bare", "--columns=external_ids", "find", "Chassis", "name=" + gone])).Stdout.Contains("node=" + gone, StringComparison.Ordinal));

        await Stack.Kube.DeleteAsync<V1Node>(null, gone);
        await StackAssert.EventuallyAsync(Stack, $"chassis {gone} deleted", async () => !(await central.ChassisNamesAsync()).Contains(gone));
        Assert.DoesNotContain("192.0.2.78", (await central.SbctlAsync(["--bare", "--columns=ip", "list", "Encap"])).Stdout, StringComparison.Ordinal);

        // The live nodes' chassis (their ovn-controllers keep running) are untouched and caught up.
        await Sandbox.Rig.OvnWaits.SyncHypervisorsAsync(central, TimeSpan.FromSeconds(20), Stack.Diagnostics, CancellationToken.None);
        var names = await central.ChassisNamesAsync();
        foreach (var node in Stack.Nodes)
        {
            Assert.Contains(node.Name, names);
            Assert.Contains("node=" + node.Name, (await central.SbctlAsync(["--bare", "--columns=external_ids", "find", "Chassis", "hostname=" + node.Name])).Stdout, StringComparison.Ordinal);
        }
    }
}
