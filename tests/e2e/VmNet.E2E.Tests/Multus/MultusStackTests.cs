using VmNet.E2E.Rig;
using static VmNet.E2E.Multus.StackPods;

namespace VmNet.E2E.Multus;

/// <summary>
/// Issue #7 end to end on the stack (real vmnet-controller and vmnet-daemon processes, the stack's kubelet, the CNI
/// binary called once per network as Multus calls it). One class split over files by topic, so the stack starts
/// once: data path and isolation, bad input, keep-vm-ip for a multi-NIC VM, IPAM-only through macvlan.
/// </summary>
[Collection(RigCollection.Name)]
public sealed partial class MultusStackTests(MultusStackFixture fixture) : IClassFixture<MultusStackFixture>, IAsyncLifetime
{
    public async Task InitializeAsync()
    {
        var a = Subnet("mul-a", "10.201.0.0/24", "atta.default.ovn");
        a.Spec!.Private = true;
        await fixture.CreateOnceAsync(a);
        await fixture.CreateOnceAsync(Subnet("mul-b", "10.202.0.0/24", "attb.default.ovn"));
        await fixture.CreateOnceAsync(Subnet("vm-a", "10.211.0.0/24", VmProviders[0]));
        await fixture.CreateOnceAsync(Subnet("vm-b", "10.212.0.0/24", VmProviders[1]));
        await fixture.CreateOnceAsync(Subnet("ipo", "10.204.0.0/24", IpamProvider));
        foreach (var nad in new[] { "atta", "attb", "vma", "vmb" })
        {
            await fixture.CreateOnceAsync(Nad(nad));
        }

        await fixture.CreateOnceAsync(Nad("broken", """{"cniVersion":"1.0.0","type":"kube-ovn", """));
        await fixture.CreateOnceAsync(Nad("mvl", """{"cniVersion":"1.0.0","type":"macvlan","master":"eth0","ipam":{"type":"kube-ovn","provider":"mvl.default"}}"""));
        foreach (var subnet in new[] { "mul-a", "mul-b", "vm-a", "vm-b", "ipo" })
        {
            await fixture.WaitSubnetReadyAsync(subnet);
        }
    }

    public Task DisposeAsync() => Task.CompletedTask;
}
