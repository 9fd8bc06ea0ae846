using System.Text.Json.Nodes;
using VmNet.Controller.Hosting;
using VmNet.Controller.Nodes;
using VmNet.Controller.Pods;
using VmNet.Controller.Tests.Topology;
using VmNet.Kube;
using VmNet.Kube.Models;

namespace VmNet.Controller.Tests.Nodes;

/// <summary>
/// A deleted Node's Southbound Chassis (and its Encap and Chassis_Private rows) is deleted, as Kube-OVN's
/// controller does; chassis are registered with ovn-sbctl the way ovn-controller registers them, and the real
/// SB (with ovn-northd running) is read back with ovn-sbctl, an independent client.
/// </summary>
public sealed class NodeChassisTests
{
    [Fact]
    public async Task ADeletedNodeLosesItsChassisAndEncapsAndNothingElse()
    {
        await using var harness = await TopologyHarness.StartAsync();
        await StartAsync(harness);
        var sb = new Southbound(harness);
        await NodeWorld.CreateAsync(harness.Client, "node1", "172.18.0.2");
        await NodeWorld.CreateAsync(harness.Client, "node2", "172.18.0.3");
        await sb.RegisterAsync("ch-1", "node1", "172.18.0.2");

        // node2's chassis registered under an FQDN hostname: the daemon's chassis annotation ties it to node2.
        await sb.RegisterAsync("ch-2", "node2.example.org", "172.18.0.3");
        await harness.Client.PatchAsync<V1Node>(null, "node2", KubePatch.Merge(new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { ["ovn.kubernetes.io/chassis"] = "ch-2" } } }));

        // A chassis of no Kubernetes node (e.g. an external gateway) is never ours to delete.
        await sb.RegisterAsync("gw-outside", "outside", "172.18.0.9");
        await sb.WaitTaggedAsync("ch-1", "node1");
        await sb.WaitTaggedAsync("ch-2", "node2");

        await harness.Client.DeleteAsync<V1Node>(null, "node1");
        await TopologyHarness.EventuallyAsync(sb.ChassisNamesAsync, names => !names.Contains("ch-1"), "chassis ch-1 deleted");
        Assert.Equal(["ch-2", "gw-outside"], (await sb.ChassisNamesAsync()).Order(StringComparer.Ordinal));
        Assert.Equal(["172.18.0.3", "172.18.0.9"], (await sb.EncapIpsAsync()).Order(StringComparer.Ordinal));
        Assert.Equal(["ch-2", "gw-outside"], (await sb.ChassisPrivateNamesAsync()).Order(StringComparer.Ordinal));

        // The tag finds a chassis whose hostname is not the node's name.
        await harness.Client.DeleteAsync<V1Node>(null, "node2");
        await TopologyHarness.EventuallyAsync(sb.ChassisNamesAsync, names => !names.Contains("ch-2"), "chassis ch-2 deleted");
        Assert.Equal(["gw-outside"], await sb.ChassisNamesAsync());
        Assert.Equal(["172.18.0.9"], await sb.EncapIpsAsync());
        Assert.Equal(["gw-outside"], await sb.ChassisPrivateNamesAsync());
    }

    [Fact]
    public async Task AChassisReRegisteredAfterItsNodeCameBackStays()
    {
        await using var harness = await TopologyHarness.StartAsync();
        var first = await StartAsync(harness);
        var sb = new Southbound(harness);
        await NodeWorld.CreateAsync(harness.Client, "node1", "172.18.0.2");
        await sb.RegisterAsync("ch-1", "node1", "172.18.0.2");
        await sb.WaitTaggedAsync("ch-1", "node1");
        await harness.Client.DeleteAsync<V1Node>(null, "node1");
        await TopologyHarness.EventuallyAsync(sb.ChassisNamesAsync, names => names.Count == 0, "chassis ch-1 deleted");

        // The node returns and its ovn-controller registers again: the tag shows the controller saw the new row.
        await NodeWorld.CreateAsync(harness.Client, "node1", "172.18.0.2");
        await NodeWorld.JoinedAsync(harness, "node1");
        await sb.RegisterAsync("ch-1", "node1", "172.18.0.2");
        await sb.WaitTaggedAsync("ch-1", "node1");
        Assert.Equal(["ch-1"], await sb.ChassisNamesAsync());
        Assert.Equal(["172.18.0.2"], await sb.EncapIpsAsync());

        // A restarted controller (startup pass over tagged chassis) keeps it too.
        await first.StopAsync();
        var second = await StartAsync(harness, "ctl-1");
        await TopologyHarness.EventuallyAsync(
            () => Task.FromResult(second.Context.Southbound!.Cache.Rows("Chassis").Count),
            n => n == 1,
            "the restarted controller's Southbound cache holds ch-1");
        await NodeWorld.JoinedAsync(harness, "node1");
        Assert.Equal(["ch-1"], await sb.ChassisNamesAsync());
        Assert.Equal(["172.18.0.2"], await sb.EncapIpsAsync());
    }

    [Fact]
    public async Task ANodeDeletedWhileNoControllerRanLosesItsChassisAtStart()
    {
        await using var harness = await TopologyHarness.StartAsync();
        var first = await StartAsync(harness);
        var sb = new Southbound(harness);
        await NodeWorld.CreateAsync(harness.Client, "node1", "172.18.0.2");
        await NodeWorld.CreateAsync(harness.Client, "node2", "172.18.0.3");
        await sb.RegisterAsync("ch-1", "node1", "172.18.0.2");
        await sb.RegisterAsync("ch-2", "node2", "172.18.0.3");
        await sb.WaitTaggedAsync("ch-1", "node1");
        await sb.WaitTaggedAsync("ch-2", "node2");
        await first.StopAsync();

        await harness.Client.DeleteAsync<V1Node>(null, "node1");
        await StartAsync(harness, "ctl-1");
        await TopologyHarness.EventuallyAsync(sb.ChassisNamesAsync, names => !names.Contains("ch-1"), "chassis ch-1 deleted at start");
        Assert.Equal(["ch-2"], await sb.ChassisNamesAsync());
        Assert.Equal(["172.18.0.3"], await sb.EncapIpsAsync());

        // Deleting a node that has no chassis (any more) is a no-op, not an error that retries forever.
        await harness.Client.DeleteAsync<V1Node>(null, "node2");
        await TopologyHarness.EventuallyAsync(sb.ChassisNamesAsync, names => names.Count == 0, "chassis ch-2 deleted");
    }

    [Theory]
    [InlineData("ovsdb:sb-chassis-tag")]
    [InlineData("ovsdb:sb-chassis-delete")]
    public async Task ACrashAtAChassisWriteLeavesNoStaleChassisOnceAControllerRunsAgain(string crashStep)
    {
        await using var harness = await TopologyHarness.StartAsync();
        var crash = new StepCrash(crashStep);
        var dying = await harness.StartControllerAsync(
            harness.Options("dying") with { SouthboundAddress = harness.Central.SouthboundUnix },
            [new TopologyModule(), new AddressingModule(crash.Hook), new NodesModule()]);
        await harness.WaitDefaultTopologyAsync();
        var sb = new Southbound(harness);
        await NodeWorld.CreateAsync(harness.Client, "node1", "172.18.0.2");
        await NodeWorld.CreateAsync(harness.Client, "node2", "172.18.0.3");
        await NodeWorld.JoinedAsync(harness, "node1");
        await NodeWorld.JoinedAsync(harness, "node2");
        await sb.RegisterAsync("ch-1", "node1", "172.18.0.2");
        await sb.RegisterAsync("ch-2", "node2", "172.18.0.3");
        if (crashStep == "ovsdb:sb-chassis-delete")
        {
            await sb.WaitTaggedAsync("ch-1", "node1");
            await sb.WaitTaggedAsync("ch-2", "node2");
        }

        // Dies at the tag (both chassis untagged) or at the deletion; the node goes while no controller runs.
        if (crashStep == "ovsdb:sb-chassis-tag")
        {
            await crash.Killed.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }

        await harness.Client.DeleteAsync<V1Node>(null, "node1");
        Assert.Equal(crashStep, await crash.Killed.Task.WaitAsync(TimeSpan.FromSeconds(30)));
        await dying.StopAsync();
        Assert.Contains("ch-1", await sb.ChassisNamesAsync());

        await StartAsync(harness, "healthy");
        await TopologyHarness.EventuallyAsync(sb.ChassisNamesAsync, names => !names.Contains("ch-1"), "chassis ch-1 deleted after the restart");
        await sb.WaitTaggedAsync("ch-2", "node2");
        Assert.Equal(["ch-2"], await sb.ChassisNamesAsync());
        Assert.Equal(["172.18.0.3"], await sb.EncapIpsAsync());
        Assert.Equal(["ch-2"], await sb.ChassisPrivateNamesAsync());
    }

    [Fact]
    public async Task WithoutASouthboundAddressNodesStillJoinAndChassisStay()
    {
        await using var harness = await TopologyHarness.StartAsync();
        var controller = await harness.StartControllerAsync(harness.Options(), ControllerModules.Discover());
        await harness.WaitDefaultTopologyAsync();
        Assert.Null(controller.Context.Southbound);
        var sb = new Southbound(harness);
        await NodeWorld.CreateAsync(harness.Client, "node1", "172.18.0.2");
        await sb.RegisterAsync("ch-1", "node1", "172.18.0.2");
        await NodeWorld.JoinedAsync(harness, "node1");
        await harness.Client.DeleteAsync<V1Node>(null, "node1");
        await TopologyHarness.EventuallyAsync(() => NodeWorld.IpCrExistsAsync(harness, "node-node1"), exists => !exists, "IP CR node-node1 deleted");
        Assert.Equal(["ch-1"], await sb.ChassisNamesAsync());
    }

    private static async Task<RunningController> StartAsync(TopologyHarness harness, string identity = "ctl-0")
    {
        var controller = await harness.StartControllerAsync(harness.Options(identity) with { SouthboundAddress = harness.Central.SouthboundUnix }, ControllerModules.Discover());
        await harness.WaitDefaultTopologyAsync();
        return controller;
    }

    /// <summary>"Kills" the controller at the first write named <paramref name="step"/>: it and every later write fail.</summary>
    private sealed class StepCrash(string step)
    {
        private volatile bool _dead;

        public TaskCompletionSource<string> Killed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public AddressingStepHook Hook => (name, _) =>
        {
            if (_dead || name == step)
            {
                _dead = true;
                Killed.TrySetResult(name);
                throw new OperationCanceledException($"controller killed before {name}");
            }

            return ValueTask.CompletedTask;
        };
    }

    /// <summary>The Southbound DB through ovn-sbctl: registering chassis as ovn-controller does, and reading rows back.</summary>
    private sealed class Southbound(TopologyHarness harness)
    {
        /// <summary>Chassis with one geneve Encap, hostname, and its Chassis_Private, like a starting ovn-controller.</summary>
        public async Task RegisterAsync(string name, string hostname, string encapIp)
        {
            var central = harness.Central.Central;
            await central.SbctlAsync(["chassis-add", name, "geneve", encapIp, "--", "set", "Chassis", name, "hostname=" + hostname]);
            var uuid = (await central.SbctlAsync(["--bare", "--columns=_uuid", "find", "Chassis", "name=" + name])).Stdout.Trim();
            await central.SbctlAsync(["create", "Chassis_Private", "name=" + name, "chassis=" + uuid]);
        }

        public async Task WaitTaggedAsync(string name, string node) =>
            await TopologyHarness.EventuallyAsync(
                async () => (await harness.Central.Central.SbctlAsync(["--bare", "--columns=external_ids", "find", "Chassis", "name=" + name])).Stdout.Trim(),
                ids => ids.Split(' ').Contains("node=" + node) && ids.Split(' ').Contains("vendor=vmnet"),
                $"chassis {name} tagged node={node}");

        public Task<IReadOnlyList<string>> ChassisNamesAsync() => ColumnAsync("Chassis", "name");

        public Task<IReadOnlyList<string>> ChassisPrivateNamesAsync() => ColumnAsync("Chassis_Private", "name");

        public Task<IReadOnlyList<string>> EncapIpsAsync() => ColumnAsync("Encap", "ip");

        private async Task<IReadOnlyList<string>> ColumnAsync(string table, string column) =>
            (await harness.Central.Central.SbctlAsync(["--bare", "--columns=" + column, "list", table])).Stdout
                .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }
}
