using VmNet.E2E.Rig;

namespace VmNet.E2E.Daemon;

/// <summary>
/// A VM's launcher pod plugged by our daemon through the published CNI binary is bound to the VM-named port.
/// (Cross-node traffic, gateway, full MTU, TCP, ovn-trace, CHECK and DEL run against the real controller
/// in <see cref="VmNet.E2E.Stack.StackTests"/>.)
/// </summary>
[Collection(RigCollection.Name)]
public sealed class DaemonDataPathTests(DaemonRigFixture fixture) : IClassFixture<DaemonRigFixture>
{
    [Fact]
    public async Task VmPodIsBoundToTheVmNamedPort()
    {
        var pod = await CniPod.NewAsync(fixture, fixture.Node2, "virt-launcher");
        var vmName = "vm-" + fixture.Rig.RunId.Value;
        var vmPort = vmName + ".default";
        await KubeOvnTopology.AddPortAsync(fixture.Central, vmPort, pod.Mac, pod.Ip);
        var annotations = pod.ControllerAnnotations();
        annotations["ovn.kubernetes.io/virtualmachine"] = vmName;
        await fixture.CreatePodAsync(pod.Name, pod.Node, annotations);

        var add = await pod.AddAsync(fixture);
        Assert.True(add.ExitCode == 0, add.Stdout + add.Stderr);
        Assert.Equal(vmPort, (await pod.Node.VsctlAsync(["get", "Interface", pod.HostVeth, "external_ids:iface-id"])).Stdout.Trim().Trim('"'));
        await fixture.Rig.WaitPortUpAsync(vmPort);
        var check = await pod.CheckAsync(fixture);
        Assert.True(check.ExitCode == 0, check.Stdout + check.Stderr);
        Assert.Equal(0, (await pod.DelAsync(fixture)).ExitCode);
    }
}
