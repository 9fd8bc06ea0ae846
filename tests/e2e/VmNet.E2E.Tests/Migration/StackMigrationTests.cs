using System.Globalization;
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
/// deleting the VMIM.
/// </summary>
[Collection(RigCollection.Name)]
public sealed class StackMigrationTests(StackMigrationFixture fixture, ITestOutputHelper output) : IClassFixture<StackMigrationFixture>
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
        var back = await MigrateAsync(home, away);

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
        Assert.True(tcp.Alive && tcp.Intact, $"TCP connection opened before the migrations: {tcp}");
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

        // The target's ADD went through our daemon as a migration target: no gateway check.
        var targetPod = kubeVirt.Launchers[^1];
        // (An ordinary pod's ADD line lists the gateway phase, so the check below can fail.)
        var log = File.ReadAllLines(fixture.LogSink.Path);
        output.WriteLine(string.Join("\n", log.Where(l => l.Contains(" ADD ", StringComparison.Ordinal))));
        Assert.Contains(log, l => l.Contains($"ADD \"default\"/\"{fixture.Pod1.Name}\" \"eth0\"", StringComparison.Ordinal) && l.Contains(" gateway ", StringComparison.Ordinal));
        var addLine = log.LastOrDefault(l => l.Contains($"ADD \"default\"/\"{targetPod}\" \"eth0\"", StringComparison.Ordinal));
        Assert.True(addLine is not null, $"no ADD log line of {targetPod} from the daemon");
        Assert.DoesNotContain(" gateway ", addLine, StringComparison.Ordinal);

        // The source launcher was torn down by CNI DEL (then deleted): its OVS port is gone, the LSP and IP are not.
        Assert.False(await source.IsPluggedAsync(), $"the source launcher's OVS port {source.OvsPort} must be gone after its CNI DEL");
        Assert.Equal(0, await PortsWithIfaceIdAsync(from, kubeVirt.LogicalPort));
        Assert.Contains(kubeVirt.CniCalls, c => c.Pod == sourcePod && c.Outcome.Command == "DEL" && c.Outcome.Succeeded);
        await Assert.ThrowsAsync<KubeNotFoundException>(() => fixture.Stack.Kube.GetAsync<V1Pod>(MigrationStack.Ns, sourcePod));
        await MigrationAssert.BoundToAsync(fixture.Central, kubeVirt.LogicalPort, target.Name);
        await AssertSettledOnAsync(target.Name);
        await AssertIpCrNodeAsync(target.Name);
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
        var options = await LogicalPortOptions.ReadAsync(fixture.Central, port, CancellationToken.None);
        Assert.Equal(node, options.GetValueOrDefault("requested-chassis"));
        Assert.False(options.ContainsKey("activation-strategy"), "activation-strategy must be removed once the migration ended");
    }

    private async Task AssertIpCrNodeAsync(string node)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        V1IP ip;
        while ((ip = await fixture.Stack.Kube.GetAsync<V1IP>(null, fixture.KubeVirt.LogicalPort)).Spec?.NodeName != node)
        {
            Assert.True(DateTime.UtcNow < deadline, $"IP CR {fixture.KubeVirt.LogicalPort} nodeName is {ip.Spec?.NodeName}, expected {node}");
            await Task.Delay(100);
        }
    }

    private static async Task<int> PortsWithIfaceIdAsync(Sandbox.Rig.OvsNode node, string logicalPort) =>
        (await node.VsctlAsync(["--bare", "--columns=name", "find", "Interface", "external_ids:iface-id=" + logicalPort])).Stdout
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;

    private void Log(MigrationReport r) =>
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{r.SourceNode}->{r.TargetNode}: {r.Qemu.Status}, QEMU downtime {r.Qemu.Downtime?.TotalMilliseconds} ms, STOP->RESUME {r.Qemu.PausedTime?.TotalMilliseconds:0.0} ms, RESUME->first delivered {r.ResumeToFirstDelivered?.TotalMilliseconds:0.0} ms, RARPs at {string.Join("/", r.RarpAfterResume.Select(t => t.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture)))} ms"));
}
