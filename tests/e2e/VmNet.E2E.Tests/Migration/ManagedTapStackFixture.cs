using VmNet.Controller.Migrations;
using VmNet.E2E.Daemon;
using VmNet.Migration.Stack;
using VmNet.Sandbox.Qemu;
using VmNet.TestSupport;

namespace VmNet.E2E.Migration;

/// <summary>
/// The full VmNet stack on the two-node rig (<see cref="MigrationStack"/>) with a pod on each node and one real QEMU
/// guest whose NIC is a managed tap on br-int (<see cref="ManagedTapLauncherBinding"/>): KubeVirt's stand-in creates
/// its launcher pods through the API and the CNI binary, then the tap takes the VM's logical port. Dual stack: the guest
/// forms its IPv6 address by SLAAC from OVN's router advertisements. Booted on node1.
/// </summary>
public sealed class ManagedTapStackFixture : TwoNodeRigFixture, IAsyncLifetime
{
    public const string VmName = "tvm";
    public const string VmIp = "10.16.0.210";
    public const string VmMac = "0a:00:00:10:00:d2";

    /// <summary>Dual stack: the IPv6 half is a /64, the prefix OVN's router advertises for SLAAC.</summary>
    public const string Cidr = MigrationStack.Cidr + ",fd00:10:16::/64";

    /// <summary>The VM's IPv6 address: the /64 prefix plus the modified EUI-64 of <see cref="VmMac"/>, the address the guest forms by SLAAC.</summary>
    public const string VmIp6 = "fd00:10:16::800:ff:fe10:d2";

    private MigrationStack? _stack;
    private MigratableVm? _vm;

    public MigrationStack Stack => _stack ?? throw new InvalidOperationException("fixture not initialised");

    public MigratableVm Vm => _vm ?? throw new InvalidOperationException("fixture not initialised");

    public KubeVirtStandIn KubeVirt { get; private set; } = null!;

    public ManagedTapLauncherBinding Binding { get; } = new(TimeSpan.FromSeconds(30));

    public StackPod Pod1 { get; private set; } = null!;

    public StackPod Pod2 { get; private set; } = null!;

    public FileLogSink LogSink { get; private set; } = null!;

    public new async Task DisposeAsync()
    {
        if (_vm is not null)
        {
            await _vm.DisposeAsync();
        }

        if (_stack is not null)
        {
            await _stack.DisposeAsync();
        }

        await base.DisposeAsync();
    }

    protected override async Task OnStartedAsync(Sandbox.Rig.Rig startedRig)
    {
        await base.OnStartedAsync(startedRig);
        var guest = await GuestImage.GetOrBuildAsync();
        LogSink = new FileLogSink(Path.Combine(startedRig.Directory, "vmnet-stack.log"));
        var log = new Serilog.LoggerConfiguration().MinimumLevel.Debug().MinimumLevel.Override("Microsoft", Serilog.Events.LogEventLevel.Warning).WriteTo.Sink(LogSink).CreateLogger();
        _stack = await MigrationStack.StartAsync(startedRig, CniBinary.Path, MigrationModule.DefaultActivationGrace, log, CancellationToken.None, Cidr);

        // A managed-tap guest gets IPv6 from OVN, not from KubeVirt (facts: binding-mode interplay): router advertisements
        // for SLAAC on the subnet's router port, every few seconds so a booting guest need not wait for its solicitation.
        await startedRig.Central.NbctlAsync(
        [
            "set", "Logical_Router_Port", "ovn-cluster-ovn-default", "ipv6_ra_configs:address_mode=slaac", "ipv6_ra_configs:send_periodic=true",
            "ipv6_ra_configs:max_interval=4", "ipv6_ra_configs:min_interval=3",
        ]);
        Pod1 = await _stack.AddPodAsync(Node1, "pod1", CancellationToken.None);
        Pod2 = await _stack.AddPodAsync(Node2, "pod2", CancellationToken.None);
        KubeVirt = _stack.VirtualMachine(VmName, VmIp + "," + VmIp6, VmMac, TimeSpan.FromSeconds(60));
        KubeVirt.LauncherBinding = Binding;
        await KubeVirt.CreateVmAsync(CancellationToken.None);
        var options = new QemuVmOptions { Guest = guest, Mac = VmMac, IpCidr = VmIp + "/16", Gateway = MigrationStack.Gateway, Mtu = startedRig.Options.PodMtu };
        _vm = await MigratableVm.BootAsync(startedRig, Node1, startedRig.RunId.Value + "v", KubeVirt.LogicalPort, options, KubeVirt, TimeSpan.FromSeconds(90));
        await StackAssert.EventuallyPingsAsync(Pod1, VmIp, TimeSpan.FromSeconds(30));
        await StackAssert.EventuallyPingsAsync(Pod1, VmIp6, TimeSpan.FromSeconds(30));
    }
}
