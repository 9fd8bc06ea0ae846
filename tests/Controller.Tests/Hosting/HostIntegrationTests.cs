using System.Text.Json.Nodes;
using VmNet.Controller.Hosting;
using VmNet.Controller.Tests.Topology;
using VmNet.Kube;
using VmNet.Kube.Models;

namespace VmNet.Controller.Tests.Hosting;

public sealed class HostIntegrationTests
{
    [Fact]
    public async Task CatalogResolvesSubnetsForPodsLikeKubeOvn()
    {
        await using var harness = await TopologyHarness.StartAsync();
        var controller = await harness.StartControllerAsync();
        await harness.Client.CreateAsync(new V1Subnet
        {
            Metadata = new V1ObjectMeta { Name = "team" },
            Spec = new V1SubnetSpec { CidrBlock = "10.90.0.0/24", Namespaces = ["team-ns"] },
        });
        await harness.Client.CreateAsync(new V1Subnet
        {
            Metadata = new V1ObjectMeta { Name = "attach" },
            Spec = new V1SubnetSpec { CidrBlock = "10.91.0.0/24", Provider = "net1.default.ovn" },
        });
        await harness.Client.CreateAsync(new V1Subnet
        {
            Metadata = new V1ObjectMeta { Name = "macvlan-ipam" },
            Spec = new V1SubnetSpec { CidrBlock = "192.168.77.0/24", Provider = "macvlan1.default" },
        });
        await harness.Client.CreateAsync(new V1Vpc { Metadata = new V1ObjectMeta { Name = "tenant" }, Spec = new V1VpcSpec { Namespaces = ["tenant-ns"], DefaultSubnet = "tenant-net" } });
        await harness.CreateSubnetAsync("tenant-net", "10.94.0.0/24", vpc: "tenant");
        foreach (var name in new[] { "team", "attach", "macvlan-ipam", "tenant-net" })
        {
            await harness.WaitSubnetConditionAsync(name, KubeOvnConditions.Ready, "True");
        }

        var catalog = controller.Context.Subnets;

        // An IPAM-only attachment subnet (non-OVN provider) is ready without any Northbound rows.
        Assert.True(catalog.IsReady("macvlan-ipam"));
        Assert.Null(await harness.FindAsync("Logical_Switch", "macvlan-ipam"));
        Assert.Equal(new SubnetSelection("macvlan-ipam", SubnetChoice.Provider), catalog.ResolveForPod(new V1Pod { Metadata = new V1ObjectMeta { Name = "p", Namespace = "x" } }, "macvlan1.default"));

        static V1Pod Pod(string ns, Dictionary<string, string>? annotations = null) => new() { Metadata = new V1ObjectMeta { Name = "p", Namespace = ns, Annotations = annotations } };

        Assert.Equal(new SubnetSelection("team", SubnetChoice.NamespaceBinding), catalog.ResolveForPod(Pod("team-ns")));
        Assert.Equal(new SubnetSelection("ovn-default", SubnetChoice.Default), catalog.ResolveForPod(Pod("other")));
        Assert.Equal(new SubnetSelection("tenant-net", SubnetChoice.VpcDefault), catalog.ResolveForPod(Pod("tenant-ns")));
        Assert.Equal(new SubnetSelection("attach", SubnetChoice.Annotation), catalog.ResolveForPod(Pod("team-ns", new() { ["ovn.kubernetes.io/logical_switch"] = "attach" })));
        Assert.Equal(new SubnetSelection("attach", SubnetChoice.Provider), catalog.ResolveForPod(Pod("other"), "net1.default.ovn"));
        Assert.Equal(new SubnetSelection("attach", SubnetChoice.Provider), catalog.ResolveForPod(Pod("other"), "net1.default.ovn.eth1"));
        var missing = Assert.Throws<SubnetNotFoundException>(() => catalog.ResolveForPod(Pod("other"), "net9.default.ovn"));
        Assert.Equal("provider", missing.Field);
        Assert.Equal("net9.default.ovn", missing.Value);

        // Readiness: a subnet that does not exist is not ready, and waiting is bounded by the caller.
        Assert.False(catalog.IsReady("nope"));
        using var shortWait = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => catalog.WaitReadyAsync("nope", shortWait.Token));

        // A waiter is released when the subnet becomes ready.
        var waiting = catalog.WaitReadyAsync("late", CancellationToken.None);
        Assert.False(waiting.IsCompleted);
        await harness.CreateSubnetAsync("late", "10.92.0.0/24");
        var ipam = await waiting.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("late", ipam.Name);
    }

    [Fact]
    public async Task OnlyTheLeaderRunsAndAStandbyTakesOverWhenItStops()
    {
        await using var harness = await TopologyHarness.StartAsync();
        var leader = await harness.StartControllerAsync(harness.Options("ctl-a"));
        await harness.WaitDefaultTopologyAsync();

        var standby = new ControllerHost(harness.Options("ctl-b"), harness.Client, harness.LoggerFactory, modules: [new TopologyModule()]);
        using var stopStandby = new CancellationTokenSource();
        var standbyRun = Task.Run(() => standby.RunAsync(stopStandby.Token));
        await Task.Delay(1500);
        Assert.False(standby.Started.IsCompleted);

        await leader.StopAsync();
        var context = await standby.Started.WaitAsync(TimeSpan.FromSeconds(30));
        var lease = await harness.Client.GetAsync<V1Lease>("kube-system", "vmnet-controller");
        Assert.Equal("ctl-b", lease.Spec!.HolderIdentity);

        // The new leader serves changes.
        await harness.CreateSubnetAsync("after-failover", "10.93.0.0/24");
        await harness.WaitSubnetConditionAsync("after-failover", KubeOvnConditions.Ready, "True");
        Assert.True(context.Subnets.IsReady("after-failover"));
        await stopStandby.CancelAsync();
        await standbyRun.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task KubeVirtInformersStartWhenTheCrdsAppear()
    {
        await using var harness = await TopologyHarness.StartAsync();
        var controller = await harness.StartControllerAsync(harness.Options() with { GcInterval = TimeSpan.FromMinutes(5) }, ControllerModules.Discover());
        var seen = new TaskCompletionSource<KubeVirtInformerSet>(TaskCreationOptions.RunContinuationsAsynchronously);
        controller.Context.KubeVirt.OnAvailable(set => seen.TrySetResult(set));
        await Task.Delay(700);
        Assert.False(controller.Context.KubeVirt.IsAvailable);

        await harness.Client.CreateAsync(VmNet.TestSupport.ControllerCrds.Crd("kubevirt.io", "virtualmachines", "VirtualMachine", "Namespaced"));
        await harness.Client.CreateAsync(VmNet.TestSupport.ControllerCrds.Crd("kubevirt.io", "virtualmachineinstances", "VirtualMachineInstance", "Namespaced"));
        await Task.Delay(700);
        Assert.False(controller.Context.KubeVirt.IsAvailable);
        await harness.Client.CreateAsync(VmNet.TestSupport.ControllerCrds.Crd("kubevirt.io", "virtualmachineinstancemigrations", "VirtualMachineInstanceMigration", "Namespaced"));

        var set = await seen.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await set.VirtualMachines.WaitForCacheSyncAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        var vm = KubeJson(new JsonObject
        {
            ["apiVersion"] = "kubevirt.io/v1",
            ["kind"] = "VirtualMachine",
            ["metadata"] = new JsonObject { ["name"] = "vm1", ["namespace"] = "default" },
            ["spec"] = new JsonObject { ["runStrategy"] = "Always" },
        });
        await harness.Client.CreateAsync(vm);
        await TopologyHarness.EventuallyAsync(() => Task.FromResult(set.VirtualMachines.Indexer.Get("default", "vm1") is not null), x => x, "vm1 in the VM informer");

        // A handler registered after discovery runs at once.
        var late = false;
        controller.Context.KubeVirt.OnAvailable(_ => late = true);
        Assert.True(late);
    }

    [Fact]
    public async Task StartsWithoutMultusAndPicksUpNadsOnceInstalled()
    {
        await using var harness = await TopologyHarness.StartAsync(withNetworkAttachmentDefinitions: false);
        var controller = await harness.StartControllerAsync();
        await harness.WaitDefaultTopologyAsync();
        Assert.False(controller.Context.NadInformer.HasSynced);

        await harness.Client.CreateAsync(VmNet.TestSupport.ControllerCrds.Crd("k8s.cni.cncf.io", "network-attachment-definitions", "NetworkAttachmentDefinition", "Namespaced"));
        await controller.Context.NadInformer.WaitForCacheSyncAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task LosingTheLeaseEndsTheRunWithAnError()
    {
        await using var harness = await TopologyHarness.StartAsync();
        var controller = await harness.StartControllerAsync(harness.Options("ctl-a"));
        var lease = await harness.Client.GetAsync<V1Lease>("kube-system", "vmnet-controller");
        lease.Spec!.HolderIdentity = "intruder";
        lease.Spec.LeaseDurationSeconds = 3600;
        lease.Spec.RenewTime = DateTimeOffset.UtcNow;
        await harness.Client.ReplaceAsync(lease);

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => controller.Run.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("lost leadership of lease kube-system/vmnet-controller", ex.Message, StringComparison.Ordinal);
    }

    private static V1VirtualMachine KubeJson(JsonObject json) =>
        VmNet.Kube.Serialization.KubeJson.Deserialize<V1VirtualMachine>(json.ToJsonString())!;
}
