using System.Globalization;
using VmNet.Controller.Migrations;
using VmNet.E2E.Rig;
using VmNet.Kube;
using VmNet.Kube.Models;
using VmNet.Migration.Stack;
using VmNet.Sandbox.Qemu;
using Xunit.Abstractions;

namespace VmNet.E2E.Migration;

/// <summary>
/// Real QEMU live migrations networked by the whole VmNet stack (facts §5.4, §13.2): the target launcher pod is
/// allocated by our controller and plugged by our daemon through the CNI binary (ADD for a pod carrying
/// <c>kubevirt.io/migrationJobName</c>), the controller switches the port over as the VMIM advances, and the
/// source launcher's CNI DEL removes only its OVS port. Three migrations: there, back, and one aborted by
/// deleting the VMIM; the way back is finished by the controller's activation fallback (no Succeeded).
/// </summary>
[Collection(RigCollection.Name)]
public sealed partial class StackMigrationTests(StackMigrationFixture fixture, ITestOutputHelper output) : IClassFixture<StackMigrationFixture>
{
    private const string Ip = StackMigrationFixture.VmIp;

    [Fact]
    public async Task MigratesThereAndBackThroughControllerDaemonAndCniAndAnAbortStaysOnTheSource()
    {
        var vm = fixture.Vm;
        var kubeVirt = fixture.KubeVirt;
        var port = kubeVirt.LogicalPort;
        var home = vm.Node;
        var away = home.Name == fixture.Node1.Name ? fixture.Node2 : fixture.Node1;
        var ipBefore = await fixture.Stack.Kube.GetAsync<V1IP>(null, port);
        var before = await GuestNetInfo.QueryAsync(fixture.Pod1.Netns, Ip);
        Assert.Equal((StackMigrationFixture.VmMac, Ip + "/16"), (before.Mac, before.IpCidr));
        await using var connection = await TcpEchoProbe.StartAsync(fixture.Pod2.Netns, Ip, GuestImage.EchoPort);

        var there = await MigrateAsync(away, home);

        // Back with a KubeVirt that never reports Succeeded: the controller's activation fallback finishes the switchover.
        kubeVirt.ReportSucceeded = false;
        var back = await MigrateAsync(home, away);
        Assert.True(kubeVirt.LastFallbackSwitchover >= MigrationModule.DefaultActivationGrace - TimeSpan.FromMilliseconds(300),
            $"the fallback switched over {kubeVirt.LastFallbackSwitchover?.TotalMilliseconds:0} ms after the VMI reported completion, before its {MigrationModule.DefaultActivationGrace.TotalSeconds:0} s grace");
        output.WriteLine($"activation fallback: port on {home.Name} only {kubeVirt.LastFallbackSwitchover?.TotalMilliseconds:0} ms after the VMI reported completion");

        var after = await GuestNetInfo.QueryAsync(fixture.Pod1.Netns, Ip);
        Assert.Equal((before.Mac, before.IpCidr, before.BootId), (after.Mac, after.IpCidr, after.BootId));
        var ipAfter = await fixture.Stack.Kube.GetAsync<V1IP>(null, port);
        Assert.Equal(
            (ipBefore.Metadata!.Uid, ipBefore.Spec!.IpAddress, ipBefore.Spec.MacAddress),
            (ipAfter.Metadata!.Uid, ipAfter.Spec!.IpAddress, ipAfter.Spec.MacAddress));
        foreach (var report in new[] { there, back })
        {
            Assert.NotNull(report.ResumeToFirstDelivered);
            Assert.Equal(0, report.DeliveredBeforeResume);
        }

        // Aborted by deleting the VMIM mid-flight: the controller pins the port back, the target launcher goes.
        var qemu = vm.Current;
        var source = qemu.Attachment;
        kubeVirt.NextEnd = MigrationEnd.AbortedByDeletingVmim;
        var abortObserved = new ControllerDrivenSouthbound(kubeVirt);
        var aborted = await vm.MigrateToAsync(away, abortObserved, new MigrationOptions { MaxBandwidth = 1_000_000, CancelAfter = TimeSpan.FromSeconds(1) });
        Log(aborted);
        Assert.Equal([$"running: chassis={home.Name} additional={away.Name}", $"failed: chassis={home.Name} additional=-"], abortObserved.Verified);
        Assert.Equal("cancelled", aborted.Qemu.Status);
        Assert.Same(qemu, vm.Current);
        await qemu.Qmp.ExecuteAsync("migrate-set-parameters", new System.Text.Json.Nodes.JsonObject { ["max-bandwidth"] = 128L * 1024 * 1024 });
        Assert.True(await source.IsPluggedAsync(), "the source launcher's OVS port must stay after an abort");
        Assert.Equal(0, await PortsWithIfaceIdAsync(away, port));
        await MigrationAssert.BoundToAsync(fixture.Central, port, home.Name);
        await AssertSettledOnAsync(home.Name);
        Assert.Equal(ipBefore.Spec.IpAddress, (await fixture.Stack.Kube.GetAsync<V1IP>(null, port)).Spec!.IpAddress);
        await StackAssert.EventuallyPingsAsync(fixture.Pod1, Ip, TimeSpan.FromSeconds(10));
        await StackAssert.EventuallyPingsAsync(fixture.Pod2, Ip, TimeSpan.FromSeconds(10));

        var tcp = await connection.StopAsync();
        output.WriteLine(string.Join("\n", kubeVirt.EarlyReceived.Select(e => $"{e.Key}: eth0 received {e.Value} frames before the bridge binding, {kubeVirt.EarlyTcp.GetValueOrDefault(e.Key)}")));

        // No migration target's own kernel took a segment of the VM's or answered one with a RST (the daemon gives a
        // target its address only once OVN blocks the port until activation): that RST would break the connection.
        var targets = kubeVirt.Launchers.Skip(1).ToList();
        Assert.True(targets.Count >= 3 && targets.All(kubeVirt.EarlyTcp.ContainsKey), $"TCP counters of the target launchers [{string.Join(", ", targets)}] were not all read");
        Assert.All(targets, t => Assert.True(kubeVirt.EarlyTcp[t] is { InSegs: 0, OutRsts: 0 }, $"target launcher {t} before its bridge binding: {kubeVirt.EarlyTcp[t]}"));
        if (!(tcp.Alive && tcp.Intact))
        {
            output.WriteLine(string.Join("\n", kubeVirt.Timeline.Select(t => $"{t.At:HH:mm:ss.fff} {t.Step}")));
        }

        Assert.True(tcp.Alive && tcp.Intact, $"TCP connection opened before the migrations: {tcp} (failed at {tcp.FailedAt:HH:mm:ss.fff})");
        output.WriteLine(string.Join("\n", kubeVirt.CniCalls.Select(c => $"{c.Pod} on {c.Node}: {c.Outcome.Command} {c.Outcome.Elapsed.TotalMilliseconds:0} ms")));
    }

    private async Task<MigrationReport> MigrateAsync(Sandbox.Rig.OvsNode target, Sandbox.Rig.OvsNode from)
    {
        var vm = fixture.Vm;
        var kubeVirt = fixture.KubeVirt;
        var source = vm.Current.Attachment;
        var sourcePod = kubeVirt.Launchers[^1];
        var observed = new ControllerDrivenSouthbound(kubeVirt);
        var report = await vm.MigrateToAsync(target, observed, new MigrationOptions());
        Log(report);
        Assert.True(report.Qemu.Completed, $"migration {report.SourceNode}->{report.TargetNode} ended '{report.Qemu.Status}': {report.Qemu.Error}");
        Assert.Equal([$"running: chassis={from.Name} additional={target.Name}", $"completed: chassis={target.Name} additional=-"], observed.Verified);

        // The target's ADD went through our daemon as a migration target: no gateway check (its phase stays 0).
        var targetPod = kubeVirt.Launchers[^1];
        var addLine = File.ReadAllLines(fixture.LogSink.Path).LastOrDefault(l => l.Contains($"ADD \"default\"/\"{targetPod}\" \"eth0\"", StringComparison.Ordinal));
        Assert.True(addLine is not null, $"no ADD log line of {targetPod} from the daemon");
        Assert.Contains("gateway 0.0)", addLine, StringComparison.Ordinal);

        // ... and got the VM's address only once the Southbound listed its chassis for the port.
        var boundLine = File.ReadAllLines(fixture.LogSink.Path).LastOrDefault(l => l.Contains($"migration target \"default\"/\"{targetPod}\"", StringComparison.Ordinal));
        Assert.True(boundLine is not null && boundLine.Contains($"listed for chassis \"{target.Name}\"", StringComparison.Ordinal), $"no Southbound binding line of {targetPod} for {target.Name}: {boundLine}");
        output.WriteLine(boundLine);

        // The source launcher was torn down by CNI DEL (then deleted): its OVS port is gone, the LSP and IP are not.
        Assert.False(await source.IsPluggedAsync(), $"the source launcher's OVS port {source.OvsPort} must be gone after its CNI DEL");
        Assert.Equal(0, await PortsWithIfaceIdAsync(from, kubeVirt.LogicalPort));
        Assert.Contains(kubeVirt.CniCalls, c => c.Pod == sourcePod && c.Outcome.Command == "DEL" && c.Outcome.Succeeded);
        await Assert.ThrowsAsync<KubeNotFoundException>(() => fixture.Stack.Kube.GetAsync<V1Pod>(MigrationStack.Ns, sourcePod));
        await MigrationAssert.BoundToAsync(fixture.Central, kubeVirt.LogicalPort, target.Name);
        await AssertSettledOnAsync(target.Name);
        await fixture.AssertIpCrNodeAsync(target.Name);
        await StackAssert.EventuallyPingsAsync(fixture.Pod1, Ip, TimeSpan.FromSeconds(10));
        await StackAssert.EventuallyPingsAsync(fixture.Pod2, Ip, TimeSpan.FromSeconds(10));
        return report;
    }

    /// <summary>The LSP exists with requested-chassis naming only <paramref name="node"/> and no activation-strategy (after the source launcher is gone).</summary>
    private async Task AssertSettledOnAsync(string node)
    {
        var port = fixture.KubeVirt.LogicalPort;
        var names = (await fixture.Central.NbctlAsync(["--bare", "--columns=name", "find", "Logical_Switch_Port", "name=" + port])).Stdout.Trim();
        Assert.Equal(port, names);
        await Task.Delay(300);
        await fixture.AssertOptionsSettledOnAsync(node);
    }

    private static async Task<int> PortsWithIfaceIdAsync(Sandbox.Rig.OvsNode node, string logicalPort) =>
        (await node.VsctlAsync(["--bare", "--columns=name", "find", "Interface", "external_ids:iface-id=" + logicalPort])).Stdout
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;

    private void Log(MigrationReport r) =>
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{r.SourceNode}->{r.TargetNode}: {r.Qemu.Status} (migrate {r.Qemu.MigrateCommandAt:HH:mm:ss.fff}, STOP {r.Qemu.SourceStoppedAt:HH:mm:ss.fff}, RESUME {r.Qemu.TargetResumedAt:HH:mm:ss.fff}), QEMU downtime {r.Qemu.Downtime?.TotalMilliseconds} ms, STOP->RESUME {r.Qemu.PausedTime?.TotalMilliseconds:0.0} ms, RESUME->first delivered {r.ResumeToFirstDelivered?.TotalMilliseconds:0.0} ms, RARPs at {string.Join("/", r.RarpAfterResume.Select(t => t.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture)))} ms"));
}
