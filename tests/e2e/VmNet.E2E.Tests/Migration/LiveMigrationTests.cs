using System.Globalization;
using VmNet.E2E.Rig;
using VmNet.Sandbox.Qemu;
using Xunit.Abstractions;

namespace VmNet.E2E.Migration;

/// <summary>
/// Real QEMU live migrations of one guest between the rig's nodes over the KubeVirt bridge binding.
/// Each test starts from wherever the shared VM runs now, so the tests do not depend on their order.
/// </summary>
[Collection(RigCollection.Name)]
public sealed class LiveMigrationTests(BridgeQemuMigrationFixture fixture, ITestOutputHelper output) : IClassFixture<BridgeQemuMigrationFixture>
{
    private const string Ip = QemuMigrationFixture.VmIp;

    [Fact]
    public async Task MultiChassisMigrationThereAndBackKeepsIdentityConnectionAndReachability()
    {
        var vm = fixture.Vm;
        var before = await GuestNetInfo.QueryAsync(fixture.Pod1.Netns, Ip);
        Assert.Equal(QemuMigrationFixture.VmMac, before.Mac);
        Assert.Equal(Ip + "/16", before.IpCidr);
        Assert.Equal(GuestNetInfo.Parse(vm.ReadyLine).BootId, before.BootId);
        await using var connection = await TcpEchoProbe.StartAsync(fixture.Pod2.Netns, Ip, GuestImage.EchoPort);
        var home = vm.Node;
        var away = OtherNode(home);

        var oldEndpoint = vm.Current.Attachment;
        var there = await vm.MigrateToAsync(away, new MultiChassisSwitchover(), new MigrationOptions());
        Log(there);
        Assert.True(there.Qemu.Completed, $"migration {there.SourceNode}->{there.TargetNode} ended '{there.Qemu.Status}': {there.Qemu.Error}");
        Assert.Equal(away.Name, vm.Node.Name);
        Assert.Equal("running", await vm.Current.QueryStatusAsync());
        Assert.False(await oldEndpoint.IsPluggedAsync(), "the source's OVS port must be gone after the migration");
        Assert.False(Sandbox.Rig.NetworkNamespace.Exists(oldEndpoint.QemuNetns), "the source launcher netns must be gone");
        await MigrationAssert.BoundToAsync(fixture.Central, QemuMigrationFixture.VmPort, away.Name);
        await MigrationAssert.EventuallyPingsAsync(fixture.Pod1, Ip, TimeSpan.FromSeconds(10));
        await MigrationAssert.EventuallyPingsAsync(fixture.Pod2, Ip, TimeSpan.FromSeconds(10));

        var back = await vm.MigrateToAsync(home, new MultiChassisSwitchover(), new MigrationOptions());
        Log(back);
        Assert.True(back.Qemu.Completed, $"migration back ended '{back.Qemu.Status}': {back.Qemu.Error}");
        Assert.Equal(home.Name, vm.Node.Name);
        await MigrationAssert.BoundToAsync(fixture.Central, QemuMigrationFixture.VmPort, home.Name);
        var options = (await fixture.Central.NbctlAsync(["get", "Logical_Switch_Port", QemuMigrationFixture.VmPort, "options"])).Stdout;
        Assert.Contains("requested-chassis=" + home.Name, options, StringComparison.Ordinal);
        Assert.DoesNotContain(away.Name, options, StringComparison.Ordinal);

        var after = await GuestNetInfo.QueryAsync(fixture.Pod1.Netns, Ip);
        Assert.Equal(before.Mac, after.Mac);
        Assert.Equal(before.IpCidr, after.IpCidr);
        Assert.Equal(before.BootId, after.BootId);
        Assert.True(after.UptimeSeconds > before.UptimeSeconds, $"guest uptime went from {before.UptimeSeconds} to {after.UptimeSeconds}: it rebooted");
        var tcp = await connection.StopAsync();
        Assert.True(tcp.Alive && tcp.Intact, $"TCP connection opened before the migrations: {tcp}");
        await MigrationAssert.EventuallyPingsAsync(fixture.Pod1, Ip, TimeSpan.FromSeconds(10));
        await MigrationAssert.EventuallyPingsAsync(fixture.Pod2, Ip, TimeSpan.FromSeconds(10));
        foreach (var report in new[] { there, back })
        {
            Assert.NotNull(report.Qemu.Downtime);
            Assert.NotEmpty(report.RarpAfterResume);
            // The TCP stream kept sending: OVN delivered to the target only once it resumed (activation by RARP).
            Assert.NotNull(report.ResumeToFirstDelivered);
            Assert.Equal(0, report.DeliveredBeforeResume);
        }
    }

    [Fact]
    public async Task CancelledMigrationLeavesTheVmRunningAndReachableOnTheSource()
    {
        var vm = fixture.Vm;
        var home = vm.Node;
        var qemu = vm.Current;
        // 1 MB/s: the 128 MB guest cannot finish before the cancel.
        var report = await vm.MigrateToAsync(
            OtherNode(home), new MultiChassisSwitchover(), new MigrationOptions { MaxBandwidth = 1_000_000, CancelAfter = TimeSpan.FromSeconds(1) });
        Log(report);
        Assert.Equal("cancelled", report.Qemu.Status);
        Assert.Same(qemu, vm.Current);
        Assert.Equal(home.Name, vm.Node.Name);
        Assert.Equal("running", await qemu.QueryStatusAsync());
        await qemu.Qmp.ExecuteAsync("migrate-set-parameters", new System.Text.Json.Nodes.JsonObject { ["max-bandwidth"] = 128L * 1024 * 1024 });
        await MigrationAssert.BoundToAsync(fixture.Central, QemuMigrationFixture.VmPort, home.Name);
        var options = (await fixture.Central.NbctlAsync(["get", "Logical_Switch_Port", QemuMigrationFixture.VmPort, "options"])).Stdout;
        Assert.DoesNotContain(OtherNode(home).Name, options, StringComparison.Ordinal);
        await MigrationAssert.EventuallyPingsAsync(fixture.Pod1, Ip, TimeSpan.FromSeconds(10));
        await MigrationAssert.EventuallyPingsAsync(fixture.Pod2, Ip, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task NaiveSwitchoverMigrationEndsReachableOnTheTarget()
    {
        var vm = fixture.Vm;
        var target = OtherNode(vm.Node);
        await using var ping = PingProbe.Start(fixture.Pod1.Netns, Ip, TimeSpan.FromMilliseconds(20));
        await Task.Delay(300);
        var report = await vm.MigrateToAsync(target, new NaiveSwitchover(), new MigrationOptions());
        await Task.Delay(500);
        var pings = await ping.StopAsync();
        Log(report);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ping from pod1: max gap {pings.MaxGap.TotalMilliseconds:0} ms, lost {pings.Lost}/{pings.Transmitted}"));
        Assert.True(report.Qemu.Completed, $"naive migration ended '{report.Qemu.Status}': {report.Qemu.Error}");
        Assert.NotNull(report.ResumeToFirstDelivered);
        Assert.Equal(0, report.DeliveredBeforeResume);
        await MigrationAssert.BoundToAsync(fixture.Central, QemuMigrationFixture.VmPort, target.Name);
        await MigrationAssert.EventuallyPingsAsync(fixture.Pod2, Ip, TimeSpan.FromSeconds(10));
        Assert.NotNull(pings.FirstReplyAfter(report.SwitchoverDoneAt));
    }

    [Fact]
    public async Task ControllerSwitchoverWaitsForTheControllersNorthboundWrites()
    {
        var vm = fixture.Vm;
        var source = vm.Node;
        var target = OtherNode(source);
        var controllerWrites = new List<Task>();
        // Stands in for the VmNet controller: it reacts asynchronously, a little later, as a watcher would.
        Task React(params string[] options)
        {
            var write = Task.Run(async () =>
            {
                await Task.Delay(150);
                await fixture.Central.NbctlAsync(new[] { "lsp-set-options", QemuMigrationFixture.VmPort }.Concat(options));
            });
            controllerWrites.Add(write);
            return Task.CompletedTask;
        }

        var switchover = new ControllerSwitchover(
            (c, _) => React($"requested-chassis={c.SourceChassis},{c.TargetChassis}", "activation-strategy=rarp"),
            (c, _) => React("requested-chassis=" + c.TargetChassis),
            (c, _) => React("requested-chassis=" + c.SourceChassis),
            TimeSpan.FromSeconds(10));
        var report = await vm.MigrateToAsync(target, switchover, new MigrationOptions());
        await Task.WhenAll(controllerWrites);
        Log(report);
        Assert.Equal(2, controllerWrites.Count);
        Assert.True(report.Qemu.Completed, $"controller-driven migration ended '{report.Qemu.Status}': {report.Qemu.Error}");
        await MigrationAssert.BoundToAsync(fixture.Central, QemuMigrationFixture.VmPort, target.Name);
        await MigrationAssert.EventuallyPingsAsync(fixture.Pod1, Ip, TimeSpan.FromSeconds(10));

        // A controller that never writes makes the switchover fail with the port's actual options, and the VM stays put.
        var silent = new ControllerSwitchover((_, _) => Task.CompletedTask, (_, _) => Task.CompletedTask, (_, _) => Task.CompletedTask, TimeSpan.FromSeconds(1));
        var ex = await Assert.ThrowsAsync<QemuException>(() => vm.MigrateToAsync(source, silent, new MigrationOptions()));
        Assert.Contains("requested-chassis=" + target.Name + "," + source.Name, ex.Message, StringComparison.Ordinal);
        Assert.Equal(target.Name, vm.Node.Name);
        await MigrationAssert.EventuallyPingsAsync(fixture.Pod2, Ip, TimeSpan.FromSeconds(10));
    }

    private Sandbox.Rig.OvsNode OtherNode(Sandbox.Rig.OvsNode node) => node.Name == fixture.Node1.Name ? fixture.Node2 : fixture.Node1;

    private void Log(MigrationReport r) =>
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{r.Switchover} {r.SourceNode}->{r.TargetNode}: {r.Qemu.Status}, total {r.Qemu.TotalTime?.TotalMilliseconds} ms, QEMU downtime {r.Qemu.Downtime?.TotalMilliseconds} ms, STOP->RESUME {r.Qemu.PausedTime?.TotalMilliseconds:0.0} ms, RESUME->first delivered {r.ResumeToFirstDelivered?.TotalMilliseconds:0.0} ms, RARPs at {string.Join("/", r.RarpAfterResume.Select(t => t.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture)))} ms, delivered before RESUME {r.DeliveredBeforeResume} (boot {fixture.BootTime.TotalSeconds:0.0} s)"));
}
