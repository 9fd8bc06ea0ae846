using VmNet.E2E.Rig;
using VmNet.Sandbox.Qemu;

namespace VmNet.E2E.Migration;

/// <summary>
/// The Kube-OVN two-node rig (pod1 on node1, pod2 on node2) plus one real QEMU guest, booted once on node1
/// and shared by a class's migration tests (a TCG boot costs 4-15 s). Subclasses choose the binding.
/// </summary>
public abstract class QemuMigrationFixture : KubeOvnRigFixture, IAsyncLifetime
{
    public const string VmPort = "vm1";
    public const string VmMac = "0a:00:00:10:00:15";
    public const string VmIp = "10.16.0.21";

    private MigratableVm? vm;

    public MigratableVm Vm => vm ?? throw new InvalidOperationException("fixture not initialised");

    public TimeSpan BootTime { get; private set; }

    protected abstract IVmBinding CreateBinding(int mtu);

    public new async Task DisposeAsync()
    {
        if (vm is not null)
        {
            await vm.DisposeAsync();
        }

        await base.DisposeAsync();
    }

    protected override async Task OnStartedAsync(Sandbox.Rig.Rig startedRig)
    {
        await base.OnStartedAsync(startedRig);
        var guest = await GuestImage.GetOrBuildAsync();
        await startedRig.Central.NbctlAsync(
            ["lsp-add", KubeOvnTopology.Switch, VmPort, "--", "lsp-set-addresses", VmPort, VmMac + " " + VmIp, "--", "lsp-set-options", VmPort, "requested-chassis=" + startedRig.Nodes[0].Name]);
        var options = new QemuVmOptions { Guest = guest, Mac = VmMac, IpCidr = VmIp + "/16", Gateway = KubeOvnTopology.Gateway, Mtu = startedRig.Options.PodMtu };
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        vm = await MigratableVm.BootAsync(startedRig, startedRig.Nodes[0], startedRig.RunId.Value + "v", VmPort, options, CreateBinding(startedRig.Options.PodMtu), TimeSpan.FromSeconds(90));
        BootTime = stopwatch.Elapsed;
        await startedRig.SyncHypervisorsAsync();
        await MigrationAssert.EventuallyPingsAsync(Pod1, VmIp, TimeSpan.FromSeconds(30));
    }
}

/// <summary>KubeVirt bridge binding: launcher netns with k6t-eth0 bridging eth0 and tap0.</summary>
public sealed class BridgeQemuMigrationFixture : QemuMigrationFixture
{
    protected override IVmBinding CreateBinding(int mtu) => new BridgeBinding(mtu);
}

/// <summary>Managed tap: the tap itself is the br-int port, QEMU in the node netns.</summary>
public sealed class ManagedTapQemuMigrationFixture : QemuMigrationFixture
{
    protected override IVmBinding CreateBinding(int mtu) => new ManagedTapBinding(mtu);
}
