using VmNet.E2E.Daemon;
using VmNet.Kube;
using VmNet.Kube.Models;
using VmNet.Multus;
using VmNet.Sandbox.Rig;
using static VmNet.E2E.Multus.StackPods;

namespace VmNet.E2E.Multus;

/// <summary>
/// keep-vm-ip for every NIC of a multi-NIC VM: the VM's launcher on node1 is stopped and a new launcher
/// starts on node2; each attachment keeps its IP CR (named after the VM and provider), address and MAC, is plugged
/// again by node2's daemon and reaches a peer; deleting the VM releases every NIC.
/// </summary>
public sealed partial class MultusStackTests
{
    private static readonly string[] VmProviders = ["vma.default.ovn", "vmb.default.ovn"];
    private static readonly (string IfName, string Provider)[] VmNics = [("eth0", "ovn"), ("net1", VmProviders[0]), ("net2", VmProviders[1])];

    [Fact]
    public async Task EveryNicKeepsItsAddressAcrossARestartOnAnotherNodeAndTheVmDeletionReleasesAll()
    {
        var vm = $"vm-{fixture.Rig.RunId.Value}";
        var template = new Dictionary<string, string> { [MultusAnnotations.Networks] = "vma,vmb" };
        var vmObject = await fixture.Kube.CreateAsync(new V1VirtualMachine
        {
            ApiVersion = "kubevirt.io/v1",
            Kind = "VirtualMachine",
            Metadata = new V1ObjectMeta { Name = vm, Namespace = Ns },
            Spec = new V1VirtualMachineSpec
            {
                RunStrategy = "Always",
                Template = new V1VirtualMachineInstanceTemplateSpec { Metadata = new V1ObjectMeta { Annotations = template }, Spec = new V1VirtualMachineInstanceSpec() },
            },
        });

        // A peer pod on node1 on both attachment networks.
        var peer = await PlugVmNicsAsync($"peer-{fixture.Rig.RunId.Value}", fixture.Node1, template, null);

        var first = await StartLauncherAsync(vm, vmObject.Metadata!.Uid!, fixture.Node1, template);

        // Stop: kubelet tears the launcher's NICs down (Multus DEL per network), the pod and the VMI go, the VM stays.
        foreach (var (ifName, provider) in VmNics)
        {
            var del = await CniBinary.RunAsync("DEL", first.ContainerId, "/var/run/netns/" + first.Netns, ifName, Ns, first.Name, StackPods.NetConf(fixture, first.Node, provider), Timeouts.Token(60));
            Assert.True(del.ExitCode == 0, $"DEL {ifName}: {del.Stdout}{del.Stderr}");
        }

        await fixture.Kube.DeleteAsync<V1Pod>(Ns, first.Name);
        await fixture.Kube.DeleteAsync<V1VirtualMachineInstance>(Ns, vm);
        await Task.Delay(1000);
        foreach (var provider in VmProviders)
        {
            Assert.NotNull(await GetIpAsync($"{vm}.{Ns}.{provider}"));
        }

        var second = await StartLauncherAsync(vm, vmObject.Metadata.Uid!, fixture.Node2, template);
        foreach (var provider in VmProviders)
        {
            Assert.Equal(first.Annotations[$"{provider}.kubernetes.io/ip_address"], second.Annotations[$"{provider}.kubernetes.io/ip_address"]);
            Assert.Equal(first.Annotations[$"{provider}.kubernetes.io/mac_address"], second.Annotations[$"{provider}.kubernetes.io/mac_address"]);
            var ip = await GetIpAsync($"{vm}.{Ns}.{provider}");
            Assert.Equal(vm, ip!.Spec!.PodName);
            Assert.Equal("VirtualMachine", ip.Spec.PodType);
        }

        foreach (var (ifName, provider) in new[] { ("net1", VmProviders[0]), ("net2", VmProviders[1]) })
        {
            var target = peer.Annotations[$"{provider}.kubernetes.io/ip_address"];
            var ping = await NetworkNamespace.ExecAsync(second.Netns, "ping", ["-c", "3", "-i", "0.2", "-W", "2", "-I", ifName, target], TimeSpan.FromSeconds(30));
            Assert.True(ping.ExitCode == 0, $"{ifName} -> {target}: {ping.Stdout}{ping.Stderr}");
        }

        await fixture.Kube.DeleteAsync<V1Pod>(Ns, second.Name);
        await fixture.Kube.DeleteAsync<V1VirtualMachineInstance>(Ns, vm);
        await fixture.Kube.DeleteAsync<V1VirtualMachine>(Ns, vm);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        foreach (var provider in VmProviders)
        {
            while (await GetIpAsync($"{vm}.{Ns}.{provider}") is not null
                || (await fixture.Central.NbctlAsync(["--bare", "--columns=name", "find", "Logical_Switch_Port", $"name={vm}.{Ns}.{provider}"])).Stdout.Trim().Length > 0)
            {
                Assert.True(DateTime.UtcNow < deadline, $"{vm}.{Ns}.{provider} not released after the VM was deleted");
                await Task.Delay(100);
            }
        }
    }

    private sealed record VmPlugged(string Name, string Netns, string ContainerId, OvsNode Node, IReadOnlyDictionary<string, string> Annotations);

    private async Task<VmPlugged> StartLauncherAsync(string vm, string vmUid, OvsNode node, Dictionary<string, string> template)
    {
        var vmi = await fixture.Kube.CreateAsync(new V1VirtualMachineInstance
        {
            ApiVersion = "kubevirt.io/v1",
            Kind = "VirtualMachineInstance",
            Metadata = new V1ObjectMeta
            {
                Name = vm,
                Namespace = Ns,
                OwnerReferences = [new V1OwnerReference { ApiVersion = "kubevirt.io/v1", Kind = "VirtualMachine", Name = vm, Uid = vmUid }],
            },
            Spec = new V1VirtualMachineInstanceSpec(),
        });
        var owner = new V1OwnerReference { ApiVersion = "kubevirt.io/v1", Kind = "VirtualMachineInstance", Name = vm, Uid = vmi.Metadata!.Uid!, Controller = true };
        return await PlugVmNicsAsync(fixture.NewName($"virt-launcher-{vm}"), node, template, owner);
    }

    private async Task<VmPlugged> PlugVmNicsAsync(string name, OvsNode node, Dictionary<string, string> annotations, V1OwnerReference? owner)
    {
        var netns = await fixture.NewNetnsAsync();
        await fixture.Kube.CreateAsync(new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta { Name = name, Namespace = Ns, Annotations = new Dictionary<string, string>(annotations), OwnerReferences = owner is null ? null : [owner] },
            Spec = new V1PodSpec { NodeName = node.Name, Containers = [new V1Container { Name = "c", Image = "busybox" }] },
        });
        var allocated = await StackPods.WaitAllocatedAsync(fixture, name, ["ovn", .. VmProviders]);
        var containerId = (Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N"))[..64];
        foreach (var (ifName, provider) in VmNics)
        {
            var add = await CniBinary.RunAsync("ADD", containerId, "/var/run/netns/" + netns, ifName, Ns, name, StackPods.NetConf(fixture, node, provider), Timeouts.Token(120));
            Assert.True(add.ExitCode == 0, $"ADD {name} {ifName}: {add.Stdout}{add.Stderr}");
        }

        return new VmPlugged(name, netns, containerId, node, allocated);
    }

    private async Task<V1IP?> GetIpAsync(string name)
    {
        try
        {
            return await fixture.Kube.GetAsync<V1IP>(null, name);
        }
        catch (KubeNotFoundException)
        {
            return null;
        }
    }
}
