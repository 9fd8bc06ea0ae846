using VmNet.Controller.Migrations;
using VmNet.E2E.Daemon;
using VmNet.Kube;
using VmNet.Kube.Models;
using VmNet.Migration.Stack;
using VmNet.Sandbox.Qemu;
using VmNet.TestSupport;

namespace VmNet.E2E.Migration;

/// <summary>
/// What the stack migration fixtures share: the full VmNet stack on the two-node rig (<see cref="MigrationStack"/>:
/// API server, our controller, our daemons, the CNI binary), a pod on each node, and one real QEMU guest booted on
/// node1 whose launcher pods KubeVirt's stand-in creates through the API and the CNI binary. Subclasses say what
/// the VM is and how its NIC is bound (<see cref="PrepareAsync"/>, <see cref="ConfigureVm"/>).
/// </summary>
public abstract class MigrationStackVmFixture : TwoNodeRigFixture, IAsyncLifetime
{
    private MigrationStack? _stack;
    private MigratableVm? _vm;

    public MigrationStack Stack => _stack ?? throw new InvalidOperationException("fixture not initialised");

    public MigratableVm Vm => _vm ?? throw new InvalidOperationException("fixture not initialised");

    public KubeVirtStandIn KubeVirt { get; private set; } = null!;

    public StackPod Pod1 { get; private set; } = null!;

    public StackPod Pod2 { get; private set; } = null!;

    public FileLogSink LogSink { get; private set; } = null!;

    protected abstract string GuestName { get; }

    /// <summary>The VM's addresses as KubeVirt's stand-in requests them (comma separated for dual stack).</summary>
    protected abstract string GuestAddresses { get; }

    protected abstract string GuestIpv4 { get; }

    protected abstract string GuestMac { get; }

    /// <summary>The default subnet's CIDR(s); null for <see cref="MigrationStack"/>'s default.</summary>
    protected virtual string? Cidr => null;

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

    /// <summary>Topology the guest needs before the pods and the VM exist (e.g. router advertisements).</summary>
    protected virtual Task PrepareAsync(Sandbox.Rig.Rig startedRig) => Task.CompletedTask;

    /// <summary>The stand-in's settings before the VM is created (e.g. its launcher binding).</summary>
    protected virtual void ConfigureVm(KubeVirtStandIn kubeVirt)
    {
    }

    /// <summary>Waits until the booted guest answers; the default is a ping from the pod on node1 to its IPv4 address.</summary>
    protected virtual Task WaitGuestReachableAsync() => StackAssert.EventuallyPingsAsync(Pod1, GuestIpv4, TimeSpan.FromSeconds(30));

    protected override async Task OnStartedAsync(Sandbox.Rig.Rig startedRig)
    {
        await base.OnStartedAsync(startedRig);
        var guest = await GuestImage.GetOrBuildAsync();
        LogSink = new FileLogSink(Path.Combine(startedRig.Directory, "vmnet-stack.log"));
        var log = new Serilog.LoggerConfiguration().MinimumLevel.Debug().MinimumLevel.Override("Microsoft", Serilog.Events.LogEventLevel.Warning).WriteTo.Sink(LogSink).CreateLogger();
        _stack = await MigrationStack.StartAsync(startedRig, CniBinary.Path, MigrationModule.DefaultActivationGrace, log, CancellationToken.None, Cidr);
        await PrepareAsync(startedRig);
        Pod1 = await _stack.AddPodAsync(Node1, "pod1", CancellationToken.None);
        Pod2 = await _stack.AddPodAsync(Node2, "pod2", CancellationToken.None);
        KubeVirt = _stack.VirtualMachine(GuestName, GuestAddresses, GuestMac, TimeSpan.FromSeconds(60));
        ConfigureVm(KubeVirt);
        await KubeVirt.CreateVmAsync(CancellationToken.None);
        var options = new QemuVmOptions { Guest = guest, Mac = GuestMac, IpCidr = GuestIpv4 + "/16", Gateway = MigrationStack.Gateway, Mtu = startedRig.Options.PodMtu };
        _vm = await MigratableVm.BootAsync(startedRig, Node1, startedRig.RunId.Value + "v", KubeVirt.LogicalPort, options, KubeVirt, TimeSpan.FromSeconds(90));
        await WaitGuestReachableAsync();
    }

    /// <summary>The VM's logical port names only <paramref name="node"/> in requested-chassis and has no activation-strategy.</summary>
    public async Task AssertOptionsSettledOnAsync(string node)
    {
        var options = await LogicalPortOptions.ReadAsync(Central, KubeVirt.LogicalPort, CancellationToken.None);
        Assert.Equal(node, options.GetValueOrDefault("requested-chassis"));
        Assert.False(options.ContainsKey("activation-strategy"), "activation-strategy must be removed once the migration ended");
    }

    /// <summary>The VM's IP CR follows it to <paramref name="node"/> within 10 s.</summary>
    public async Task AssertIpCrNodeAsync(string node)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        V1IP ip;
        while ((ip = await Stack.Kube.GetAsync<V1IP>(null, KubeVirt.LogicalPort)).Spec?.NodeName != node)
        {
            Assert.True(DateTime.UtcNow < deadline, $"IP CR {KubeVirt.LogicalPort} nodeName is {ip.Spec?.NodeName}, expected {node}");
            await Task.Delay(100);
        }
    }
}
