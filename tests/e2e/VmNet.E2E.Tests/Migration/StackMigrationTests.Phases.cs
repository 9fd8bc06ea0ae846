using VmNet.Kube;
using VmNet.Kube.Models;
using VmNet.Migration.Stack;
using VmNet.Sandbox.Qemu;

namespace VmNet.E2E.Migration;

/// <summary>
/// (Part of <see cref="StackMigrationTests"/>, sharing its stack.) The controller's switchover at each VMIM phase as ovn-controller reports it in the Southbound Port_Binding
/// (chassis / additional_chassis), on the full stack without a guest: launchers plugged by our daemon through the
/// CNI binary, KubeVirt's phases through the API. A failed migration, one aborted by deleting its VMIM, and one
/// that succeeds, after which the source launcher's CNI DEL leaves the port on the target only.
/// </summary>
public sealed partial class StackMigrationTests
{
    [Fact]
    public async Task EachPhaseShowsInTheSouthboundAsOvnControllerReportsIt()
    {
        var central = fixture.Central;
        var kubeVirt = fixture.Stack.VirtualMachine("pvm", "10.16.0.201", "0a:00:00:10:00:c9", TimeSpan.FromSeconds(60));
        var port = kubeVirt.LogicalPort;
        await kubeVirt.CreateVmAsync(CancellationToken.None);
        var name = fixture.Rig.RunId.Value + "p";
        var home = await kubeVirt.AttachAsync(fixture.Node1, name, 0, port, fixture.Rig.Manifest, CancellationToken.None);
        await ControllerDrivenSouthbound.WaitAsync(central, port, "started", fixture.Node1.Name, null);
        var ip = await fixture.Stack.Kube.GetAsync<V1IP>(null, port);

        var generation = 0;
        foreach (var end in new[] { MigrationEnd.Failed, MigrationEnd.AbortedByDeletingVmim })
        {
            // Scheduling .. TargetReady: the target's CNI ADD needed the target in requested-chassis (ovn-installed).
            var target = await kubeVirt.AttachAsync(fixture.Node2, name, ++generation, null, fixture.Rig.Manifest, CancellationToken.None);
            await ControllerDrivenSouthbound.WaitAsync(central, port, "target ready", fixture.Node1.Name, fixture.Node2.Name);
            var context = new PortSwitchoverContext(central, port, home, target);
            await kubeVirt.BeforeMigrationAsync(context, CancellationToken.None);
            await ControllerDrivenSouthbound.WaitAsync(central, port, "running", fixture.Node1.Name, fixture.Node2.Name);
            kubeVirt.NextEnd = end;
            await kubeVirt.AfterFailedAsync(context, CancellationToken.None);
            await ControllerDrivenSouthbound.WaitAsync(central, port, end.ToString(), fixture.Node1.Name, null);
            await target.RemoveAsync();
            Assert.False(await target.IsPluggedAsync(), $"{end}: the target launcher's OVS port must be gone after its CNI DEL");
            Assert.True(await home.IsPluggedAsync(), $"{end}: the source launcher's OVS port must stay");
        }

        var winner = await kubeVirt.AttachAsync(fixture.Node2, name, ++generation, null, fixture.Rig.Manifest, CancellationToken.None);
        var success = new PortSwitchoverContext(central, port, home, winner);
        await kubeVirt.BeforeMigrationAsync(success, CancellationToken.None);
        await ControllerDrivenSouthbound.WaitAsync(central, port, "running", fixture.Node1.Name, fixture.Node2.Name);
        await kubeVirt.AfterCompletedAsync(success, CancellationToken.None);
        await ControllerDrivenSouthbound.WaitAsync(central, port, "succeeded", fixture.Node2.Name, null);

        // The source launcher goes (CNI DEL, pod deleted): only its OVS port is removed.
        await home.RemoveAsync();
        Assert.False(await home.IsPluggedAsync(), "the source launcher's OVS port must be gone after its CNI DEL");
        await Task.Delay(500);
        await ControllerDrivenSouthbound.WaitAsync(central, port, "source deleted", fixture.Node2.Name, null);
        var options = await LogicalPortOptions.ReadAsync(central, port, CancellationToken.None);
        Assert.Equal(fixture.Node2.Name, options.GetValueOrDefault("requested-chassis"));
        Assert.False(options.ContainsKey("activation-strategy"));
        var after = await fixture.Stack.Kube.GetAsync<V1IP>(null, port);
        Assert.Equal((ip.Metadata!.Uid, ip.Spec!.IpAddress, ip.Spec.MacAddress), (after.Metadata!.Uid, after.Spec!.IpAddress, after.Spec.MacAddress));
        Assert.Equal(fixture.Node2.Name, after.Spec.NodeName);
        Assert.All(kubeVirt.CniCalls, c => Assert.True(c.Outcome.Succeeded, $"{c.Pod} on {c.Node}: {c.Outcome}"));
        await winner.RemoveAsync();
    }
}
