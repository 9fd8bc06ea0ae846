using System.Globalization;
using VmNet.E2E.Rig;
using VmNet.Sandbox.Qemu;
using Xunit.Abstractions;

namespace VmNet.E2E.Migration;

/// <summary>
/// Real QEMU live migrations whose port switchover is done by the VmNet controller's migration module: the test
/// plays KubeVirt in the API server (VMIM, target pod, phases), the controller writes the Northbound.
/// </summary>
[Collection(RigCollection.Name)]
public sealed class ControllerDrivenMigrationTests(BridgeQemuMigrationFixture fixture, ITestOutputHelper output) : IClassFixture<BridgeQemuMigrationFixture>
{
    private const string Ip = QemuMigrationFixture.VmIp;
    private static readonly TimeSpan ControllerTimeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task ControllerMigratesThereAndBackAndAnAbortStaysOnTheSource()
    {
        var vm = fixture.Vm;
        var home = vm.Node;
        var away = home.Name == fixture.Node1.Name ? fixture.Node2 : fixture.Node1;
        await using var kubeVirt = await ControllerDrivenKubeVirt.StartAsync(
            fixture.Central.NorthboundConnection, args => fixture.Central.NbctlAsync(args), QemuMigrationFixture.VmPort, "vm1", home.Name, TimeSpan.FromSeconds(2));
        var before = await GuestNetInfo.QueryAsync(fixture.Pod1.Netns, Ip);
        await using var connection = await TcpEchoProbe.StartAsync(fixture.Pod2.Netns, Ip, GuestImage.EchoPort);

        var observed = new ControllerDrivenSouthbound(kubeVirt.Switchover(ControllerTimeout));
        var there = await vm.MigrateToAsync(away, observed, new MigrationOptions());
        Assert.Equal([$"running: chassis={home.Name} additional={away.Name}", $"completed: chassis={away.Name} additional=-"], observed.Verified);
        Log(there);
        Assert.True(there.Qemu.Completed, $"migration {there.SourceNode}->{there.TargetNode} ended '{there.Qemu.Status}': {there.Qemu.Error}");
        await MigrationAssert.BoundToAsync(fixture.Central, QemuMigrationFixture.VmPort, away.Name);
        await MigrationAssert.EventuallyPingsAsync(fixture.Pod1, Ip, TimeSpan.FromSeconds(10));
        await MigrationAssert.EventuallyPingsAsync(fixture.Pod2, Ip, TimeSpan.FromSeconds(10));

        var back = await vm.MigrateToAsync(home, kubeVirt.Switchover(ControllerTimeout), new MigrationOptions());
        Log(back);
        Assert.True(back.Qemu.Completed, $"migration back ended '{back.Qemu.Status}': {back.Qemu.Error}");
        await MigrationAssert.BoundToAsync(fixture.Central, QemuMigrationFixture.VmPort, home.Name);

        var after = await GuestNetInfo.QueryAsync(fixture.Pod1.Netns, Ip);
        Assert.Equal((before.Mac, before.IpCidr, before.BootId), (after.Mac, after.IpCidr, after.BootId));
        var tcp = await connection.StopAsync();
        Assert.True(tcp.Alive && tcp.Intact, $"TCP connection opened before the migrations: {tcp}");
        foreach (var report in new[] { there, back })
        {
            Assert.NotNull(report.ResumeToFirstDelivered);
            Assert.Equal(0, report.DeliveredBeforeResume);
        }

        // Aborted by deleting the VMIM mid-flight: the controller pins the port back to the source.
        var qemu = vm.Current;
        var abortObserved = new ControllerDrivenSouthbound(kubeVirt.Switchover(ControllerTimeout, abortByDeletingVmim: true));
        var aborted = await vm.MigrateToAsync(away, abortObserved, new MigrationOptions { MaxBandwidth = 1_000_000, CancelAfter = TimeSpan.FromSeconds(1) });
        Assert.Equal([$"running: chassis={home.Name} additional={away.Name}", $"failed: chassis={home.Name} additional=-"], abortObserved.Verified);
        Log(aborted);
        Assert.Equal("cancelled", aborted.Qemu.Status);
        Assert.Same(qemu, vm.Current);
        await qemu.Qmp.ExecuteAsync("migrate-set-parameters", new System.Text.Json.Nodes.JsonObject { ["max-bandwidth"] = 128L * 1024 * 1024 });
        await MigrationAssert.BoundToAsync(fixture.Central, QemuMigrationFixture.VmPort, home.Name);
        await MigrationAssert.EventuallyPingsAsync(fixture.Pod1, Ip, TimeSpan.FromSeconds(10));
        await MigrationAssert.EventuallyPingsAsync(fixture.Pod2, Ip, TimeSpan.FromSeconds(10));
    }

    private void Log(MigrationReport r) =>
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{(r.ResumeToFirstDelivered is { } first ? $"BENCH migration_controller_resume_to_first_delivered {first.TotalMilliseconds:0.0} ms" : "no delivery measured")} ({r.SourceNode}->{r.TargetNode}, {r.Qemu.Status}, QEMU downtime {r.Qemu.Downtime?.TotalMilliseconds} ms, STOP->RESUME {r.Qemu.PausedTime?.TotalMilliseconds:0.0} ms, RARPs at {string.Join("/", r.RarpAfterResume.Select(t => t.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture)))} ms)"));
}
