using VmNet.Kube;
using VmNet.Controller.Migrations;
using VmNet.Controller.Tests.Addressing;
using VmNet.Kube.Models;
using VmNet.KubeVirt.Migration;

namespace VmNet.Controller.Tests.Migrations;

/// <summary>
/// The migration reconciler against the in-process API server and a real OVN_Northbound: LSP options at every
/// VMIM phase, the IP CR following the VM, rollback on failure and abort, and the activation fallback.
/// </summary>
public sealed class MigrationControllerTests : IAsyncLifetime
{
    private static readonly TimeSpan Grace = TimeSpan.FromMilliseconds(400);
    private AddressingHarness _h = null!;
    private MigrationWorld _w = null!;

    public async Task InitializeAsync()
    {
        _h = await AddressingHarness.StartAsync();
        _h.ExtraModules = () => [new MigrationModule(Grace, ActivationStrategyPolicy.Default)];
        await _h.StartControllerAsync();
        _w = new MigrationWorld(_h);
    }

    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task PhasesDriveRequestedChassisAndThereAndBackAgain()
    {
        await _w.StartVmAsync("vm1", "node-1");
        var ipBefore = (await _h.GetIpAsync(MigrationWorld.Port("vm1")))!.Spec!;
        await _h.NbctlAsync("set", "Logical_Switch_Port", MigrationWorld.Port("vm1"), "options:mcast_flood=true");

        // Scheduling with no target pod yet: nothing to bind.
        var m1 = await _w.CreateVmimAsync("m1", "vm1", MigrationPhases.Scheduling);
        await Task.Delay(300);
        Assert.Equal((null, null), await _w.OptionsAsync("vm1"));

        // The target pod's arrival binds both chassis with RARP gating, keeping other options.
        await _w.CreateTargetPodAsync("vm1", "virt-launcher-vm1-tgt", "node-2", m1);
        await _w.WaitOptionsAsync("vm1", "node-1,node-2", "rarp");
        Assert.Equal("\"true\"", await _h.LspColumnAsync(MigrationWorld.Port("vm1"), "options:mcast_flood"));
        foreach (var phase in MigrationWorld.InFlight.Skip(1))
        {
            await _w.SetPhaseAsync("m1", phase);
            await Task.Delay(100);
            Assert.Equal(("node-1,node-2", "rarp"), await _w.OptionsAsync("vm1"));
        }

        await _w.SetVmiAsync("vm1", "node-2", MigrationWorld.State(m1, "node-1", "node-2", completed: true));
        await _w.SetPhaseAsync("m1", MigrationPhases.Succeeded);
        await _w.WaitOptionsAsync("vm1", "node-2", null);
        await AddressingHarness.WaitUntilAsync(async () => (await _h.GetIpAsync(MigrationWorld.Port("vm1")))!.Spec!.NodeName == "node-2", what: "IP CR nodeName node-2");
        var ipAfter = (await _h.GetIpAsync(MigrationWorld.Port("vm1")))!.Spec!;
        Assert.Equal((ipBefore.IpAddress, ipBefore.MacAddress), (ipAfter.IpAddress, ipAfter.MacAddress));
        Assert.Equal("\"true\"", await _h.LspColumnAsync(MigrationWorld.Port("vm1"), "options:mcast_flood"));

        // Back to node-1, started while m1 still lies around Succeeded; this one fails.
        await _h.Client.DeleteAsync<V1Pod>(MigrationWorld.Ns, "virt-launcher-vm1-src");
        var m2 = await _w.CreateVmimAsync("m2", "vm1", MigrationPhases.Scheduling);
        await _w.CreateTargetPodAsync("vm1", "virt-launcher-vm1-back", "node-1", m2);
        await _w.WaitOptionsAsync("vm1", "node-2,node-1", "rarp");
        await _w.SetVmiAsync("vm1", "node-2", MigrationWorld.State(m2, "node-2", "node-1"));
        await _w.SetPhaseAsync("m2", MigrationPhases.Running);
        await _w.SetVmiAsync("vm1", "node-2", MigrationWorld.State(m2, "node-2", "node-1", failed: true));
        await _w.SetPhaseAsync("m2", MigrationPhases.Failed);
        await _w.WaitOptionsAsync("vm1", "node-2", null);
        var ipFailed = (await _h.GetIpAsync(MigrationWorld.Port("vm1")))!.Spec!;
        Assert.Equal((ipBefore.IpAddress, ipBefore.MacAddress), (ipFailed.IpAddress, ipFailed.MacAddress));
    }

    [Fact]
    public async Task DeletingARunningVmimPinsBackToTheSource()
    {
        await _w.StartVmAsync("vm2", "node-1");
        await _w.MigrateUntilDualBoundAsync("vm2", "m-abort", "virt-launcher-vm2-tgt", "node-1", "node-2", reportMigrationState: true);

        await _h.Client.DeleteAsync<V1VirtualMachineInstanceMigration>(MigrationWorld.Ns, "m-abort");
        await _w.WaitOptionsAsync("vm2", "node-1", null);
        Assert.Equal("node-1", (await _h.GetIpAsync(MigrationWorld.Port("vm2")))!.Spec!.NodeName);
    }

    [Fact]
    public async Task AbortStatusWhileRunningPinsBackToTheSource()
    {
        await _w.StartVmAsync("vm5", "node-1");
        var m = await _w.MigrateUntilDualBoundAsync("vm5", "m-abort5", "virt-launcher-vm5-tgt", "node-1", "node-2");
        await _w.SetVmiAsync("vm5", "node-1", MigrationWorld.State(m, "node-1", "node-2", abortStatus: "Succeeded"));
        await _w.WaitOptionsAsync("vm5", "node-1", null);
    }

    [Fact]
    public async Task TargetRunningWithoutSucceededIsCompletedByTheController()
    {
        await _w.StartVmAsync("vm3", "node-1");
        var m = await _w.MigrateUntilDualBoundAsync("vm3", "m-late", "virt-launcher-vm3-tgt", "node-1", "node-2");

        var reported = DateTime.UtcNow;
        await _w.SetVmiAsync("vm3", "node-2", MigrationWorld.State(m, "node-1", "node-2", completed: true));
        await _w.WaitOptionsAsync("vm3", "node-2", null);
        Assert.True(DateTime.UtcNow - reported >= Grace - TimeSpan.FromMilliseconds(50), "the controller must give RARP activation its grace first");
    }

    [Fact]
    public async Task BadInputRaisesEventsAndBindsNothing()
    {
        // A VMIM for a VMI that does not exist.
        await _w.CreateVmimAsync("m-ghost", "ghost", MigrationPhases.Scheduling);
        await EventsAsync.WaitForWarningAsync(_h.Client, MigrationWorld.Ns, "m-ghost", "spec.vmiName", kind: "VirtualMachineInstanceMigration");
        await AssertNothingHalfBoundAsync();

        // A target pod arriving before its VMIM: the ports stay on the source, the address stays the VM's.
        await _w.StartVmAsync("vm4", "node-1");
        var ip = (await _h.GetIpAsync(MigrationWorld.Port("vm4")))!;
        var early = new V1VirtualMachineInstanceMigration { Metadata = new V1ObjectMeta { Name = "m-early", Uid = Guid.NewGuid().ToString() } };
        await _w.CreateTargetPodAsync("vm4", "virt-launcher-vm4-tgt", "node-2", early);
        await EventsAsync.WaitForWarningAsync(_h.Client, MigrationWorld.Ns, "virt-launcher-vm4-tgt", "m-early");
        await AssertNothingHalfBoundAsync();
        var unchanged = (await _h.GetIpAsync(MigrationWorld.Port("vm4")))!;
        // (Its nodeName may already follow the target pod: the addressing module records a target's node as Kube-OVN does.)
        Assert.Equal((ip.Metadata!.Uid, ip.Spec!.IpAddress, ip.Spec.MacAddress), (unchanged.Metadata!.Uid, unchanged.Spec!.IpAddress, unchanged.Spec.MacAddress));

        // Once the VMIM shows up the same pod is used.
        var created = await _w.CreateVmimAsync("m-early", "vm4", MigrationPhases.Scheduling);
        Assert.NotNull(created);
        await _h.Client.DeleteAsync<V1Pod>(MigrationWorld.Ns, "virt-launcher-vm4-tgt");
        await _w.CreateTargetPodAsync("vm4", "virt-launcher-vm4-tgt2", "node-2", created);
        await _w.WaitOptionsAsync("vm4", "node-1,node-2", "rarp");
        Assert.Equal(ip.Spec.IpAddress, (await _h.GetIpAsync(MigrationWorld.Port("vm4")))!.Spec!.IpAddress);
        await _h.Client.DeleteAsync<V1VirtualMachineInstanceMigration>(MigrationWorld.Ns, "m-early");
        await _w.WaitOptionsAsync("vm4", "node-1", null);

        // A migration target pod whose VM does not exist.
        await _h.Client.CreateAsync(KubeTestObjects.Launcher(MigrationWorld.Ns, "novm", "virt-launcher-novm-tgt", "node-2",
            new Dictionary<string, string> { [MigrationFinder.MigrationJobNameAnnotation] = "m-none" }));
        await EventsAsync.WaitForWarningAsync(_h.Client, MigrationWorld.Ns, "virt-launcher-novm-tgt", "does not exist");
        Assert.Null(await _h.LspColumnAsync(MigrationWorld.Port("novm"), "options:requested-chassis"));
        await AssertNothingHalfBoundAsync();
        Assert.Equal(ip.Spec.IpAddress, (await _h.GetIpAsync(MigrationWorld.Port("vm4")))!.Spec!.IpAddress);
    }

    [Fact]
    public async Task WithLiveMigrationOptimizeDisabledNoPortIsTouched()
    {
        await _h.StopControllerAsync();
        _h.Options = _h.Options with { EnableLiveMigrationOptimize = false };
        await _h.StartControllerAsync();
        await _w.StartVmAsync("vm6", "node-1");
        var m = await _w.CreateVmimAsync("m6", "vm6", MigrationPhases.Scheduling);
        await _w.CreateTargetPodAsync("vm6", "virt-launcher-vm6-tgt", "node-2", m);
        await _h.WaitAddressedAsync(MigrationWorld.Ns, "virt-launcher-vm6-tgt");
        await _w.SetPhaseAsync("m6", MigrationPhases.Running);
        await AssertNothingHalfBoundAsync();
        Assert.Equal((null, null), await _w.OptionsAsync("vm6"));
    }

    /// <summary>No Logical_Switch_Port requests two chassis or carries an activation strategy.</summary>
    private async Task AssertNothingHalfBoundAsync()
    {
        await Task.Delay(300);
        var options = (await _h.NbctlAsync("--bare", "--columns=name,options", "find", "Logical_Switch_Port")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.DoesNotContain(options, line => line.Contains("activation-strategy", StringComparison.Ordinal)
            || (line.Contains("requested-chassis=", StringComparison.Ordinal) && line[line.IndexOf("requested-chassis=", StringComparison.Ordinal)..].Split(' ')[0].Contains(',', StringComparison.Ordinal)));
    }
}
