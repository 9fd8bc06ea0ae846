using System.Globalization;
using System.Net;
using VmNet.E2E.Rig;
using VmNet.Kube;
using VmNet.Kube.Models;
using VmNet.Migration.Stack;
using VmNet.Sandbox.Qemu;
using VmNet.Sandbox.Rig;
using Xunit.Abstractions;

namespace VmNet.E2E.Migration;

/// <summary>
/// Real QEMU live migrations of a managed-tap VM (QEMU's tap plugged straight into br-int with the VM's iface-id,
/// vnet_hdr=off) driven through the whole VmNet stack, as <see cref="StackMigrationTests"/> does for the bridge
/// binding: launcher pods allocated by our controller and set up by our daemon through the CNI binary, the
/// controller's requested-chassis=src,dst with activation-strategy=rarp before the target claims the port, QEMU's
/// RARPs activating the tap, and the source launcher's CNI DEL. There and back, dual stack: each target launcher's
/// ADD adds the VM's IPv6 address without DAD, and the guest's IPv6 address answers pods on both nodes after each move.
/// </summary>
[Collection(RigCollection.Name)]
public sealed class ManagedTapStackMigrationTests(ManagedTapStackFixture fixture, ITestOutputHelper output) : IClassFixture<ManagedTapStackFixture>
{
    private const string Ip = ManagedTapStackFixture.VmIp;
    private const string Ip6 = ManagedTapStackFixture.VmIp6;

    [Fact]
    public async Task ManagedTapVmMigratesThereAndBackThroughControllerDaemonAndCni()
    {
        var vm = fixture.Vm;
        var port = fixture.KubeVirt.LogicalPort;
        var home = vm.Node;
        var away = home.Name == fixture.Node1.Name ? fixture.Node2 : fixture.Node1;
        Assert.Contains(",vnet_hdr=off", string.Join(' ', vm.Current.Arguments), StringComparison.Ordinal);
        await AssertTapCarriesThePortAsync(home);

        var ipBefore = await fixture.Stack.Kube.GetAsync<V1IP>(null, port);
        var before = await GuestNetInfo.QueryAsync(fixture.Pod1.Netns, Ip);
        Assert.Equal((ManagedTapStackFixture.VmMac, Ip + "/16"), (before.Mac, before.IpCidr));
        await using var connection = await TcpEchoProbe.StartAsync(fixture.Pod2.Netns, Ip, GuestImage.EchoPort);

        var reports = new[] { await MigrateAsync(away, home), await MigrateAsync(home, away) };

        var tcp = await connection.StopAsync();
        var after = await GuestNetInfo.QueryAsync(fixture.Pod2.Netns, Ip);
        Assert.Equal((before.Mac, before.IpCidr, before.BootId), (after.Mac, after.IpCidr, after.BootId));
        var ipAfter = await fixture.Stack.Kube.GetAsync<V1IP>(null, port);
        Assert.Equal(
            (ipBefore.Metadata!.Uid, ipBefore.Spec!.IpAddress, ipBefore.Spec.MacAddress),
            (ipAfter.Metadata!.Uid, ipAfter.Spec!.IpAddress, ipAfter.Spec.MacAddress));
        foreach (var report in reports)
        {
            // Activation came from QEMU's own RARPs on the target tap, and OVN delivered nothing to it before RESUME.
            Assert.NotEmpty(report.RarpAfterResume);
            Assert.NotNull(report.ResumeToFirstDelivered);
            Assert.Equal(0, report.DeliveredBeforeResume);
        }

        if (!(tcp.Alive && tcp.Intact))
        {
            output.WriteLine(string.Join("\n", fixture.KubeVirt.Timeline.Select(t => $"{t.At:HH:mm:ss.fff} {t.Step}")));
        }

        Assert.True(tcp.Alive && tcp.Intact && tcp.BytesEchoed > 0, $"TCP connection opened before the migrations: {tcp} (failed at {tcp.FailedAt:HH:mm:ss.fff})");

        // Each target launcher's ADD configured the VM's IPv6 address without DAD: usable at once, not tentative.
        var targets = fixture.Binding.Connected.Where(c => c.Plug.MigrationTarget).ToList();
        Assert.Equal(2, targets.Count);
        foreach (var (plug, eth0) in targets)
        {
            var v6 = eth0.Split('\n').FirstOrDefault(l => Inet6Of(l) is { } a && a.Equals(IPAddress.Parse(Ip6)));
            Assert.True(v6 is not null, $"target launcher {plug.Netns} on {plug.Node.Name}: no {Ip6}/64 on eth0 after its ADD: {eth0}");
            Assert.True(v6.Contains(" nodad", StringComparison.Ordinal) && !v6.Contains("tentative", StringComparison.Ordinal) && !v6.Contains("dadfailed", StringComparison.Ordinal), $"target launcher {plug.Netns}: {v6}");
        }
        output.WriteLine(string.Join("\n", fixture.KubeVirt.CniCalls.Select(c => $"{c.Pod} on {c.Node}: {c.Outcome.Command} {c.Outcome.Elapsed.TotalMilliseconds:0} ms")));
    }

    private async Task<MigrationReport> MigrateAsync(OvsNode target, OvsNode from)
    {
        var vm = fixture.Vm;
        var kubeVirt = fixture.KubeVirt;
        var source = vm.Current.Attachment;
        var sourcePod = kubeVirt.Launchers[^1];
        var observed = new ControllerDrivenSouthbound(kubeVirt);
        var report = await vm.MigrateToAsync(target, observed, new MigrationOptions());
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"managed tap {report.SourceNode}->{report.TargetNode}: {report.Qemu.Status}, QEMU downtime {report.Qemu.Downtime?.TotalMilliseconds} ms, RESUME->first delivered {report.ResumeToFirstDelivered?.TotalMilliseconds:0.0} ms, RARPs at {string.Join("/", report.RarpAfterResume.Select(t => t.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture)))} ms"));
        Assert.True(report.Qemu.Completed, $"migration {report.SourceNode}->{report.TargetNode} ended '{report.Qemu.Status}': {report.Qemu.Error}");
        Assert.Equal([$"running: chassis={from.Name} additional={target.Name}", $"completed: chassis={target.Name} additional=-"], observed.Verified);

        // The target launcher's ADD went through our daemon as a migration target (no gateway check) and got the VM's
        // address only once the Southbound listed the target chassis; then the tap took the port over.
        var targetPod = kubeVirt.Launchers[^1];
        var log = File.ReadAllLines(fixture.LogSink.Path);
        var addLine = log.LastOrDefault(l => l.Contains($"ADD \"default\"/\"{targetPod}\" \"eth0\"", StringComparison.Ordinal));
        Assert.True(addLine is not null && addLine.Contains("gateway 0.0)", StringComparison.Ordinal), $"ADD log line of {targetPod}: {addLine}");
        var boundLine = log.LastOrDefault(l => l.Contains($"migration target \"default\"/\"{targetPod}\"", StringComparison.Ordinal));
        Assert.True(boundLine is not null && boundLine.Contains($"listed for chassis \"{target.Name}\"", StringComparison.Ordinal), $"no Southbound binding line of {targetPod} for {target.Name}: {boundLine}");
        Assert.Equal(target.Netns, vm.Current.Attachment.QemuNetns);
        await AssertTapCarriesThePortAsync(target);

        // Teardown of the source: QEMU's tap and the launcher's veth port are gone from its br-int, nothing there carries
        // the VM's iface-id, the launcher pod went through CNI DEL; the LSP and the IP stay.
        var tap = ManagedTapLauncherBinding.TapName(vm.Name);
        Assert.False(await source.IsPluggedAsync(), $"the source's tap port {source.OvsPort} must be gone");
        Assert.False((await NetworkNamespace.ExecAsync(from.Netns, "ip", ["link", "show", tap])).Succeeded, $"tap {tap} still exists on {from.Name}");
        Assert.Equal(string.Empty, await InterfacesWhereAsync(from, $"external_ids:iface-id=\"{kubeVirt.LogicalPort}\""));
        Assert.Equal(string.Empty, await InterfacesWhereAsync(from, $"external_ids:pod_name=\"{sourcePod}\""));
        Assert.Contains(kubeVirt.CniCalls, c => c.Pod == sourcePod && c.Outcome.Command == "DEL" && c.Outcome.Succeeded);
        await Assert.ThrowsAsync<KubeNotFoundException>(() => fixture.Stack.Kube.GetAsync<V1Pod>(MigrationStack.Ns, sourcePod));

        await MigrationAssert.BoundToAsync(fixture.Central, kubeVirt.LogicalPort, target.Name);
        await fixture.AssertOptionsSettledOnAsync(target.Name);
        await fixture.AssertIpCrNodeAsync(target.Name);
        await StackAssert.EventuallyPingsAsync(fixture.Pod1, Ip, TimeSpan.FromSeconds(10));
        await StackAssert.EventuallyPingsAsync(fixture.Pod2, Ip, TimeSpan.FromSeconds(10));
        await StackAssert.EventuallyPingsAsync(fixture.Pod1, Ip6, TimeSpan.FromSeconds(10));
        await StackAssert.EventuallyPingsAsync(fixture.Pod2, Ip6, TimeSpan.FromSeconds(10));
        output.WriteLine($"IPv6 {Ip6} answered pods on both nodes {(DateTimeOffset.UtcNow - report.Qemu.TargetResumedAt)?.TotalMilliseconds:0} ms after RESUME on {target.Name}");
        return report;
    }

    /// <summary>On <paramref name="node"/> the VM's logical port is carried by QEMU's tap alone (the launcher's veth port is pointed elsewhere).</summary>
    private async Task AssertTapCarriesThePortAsync(OvsNode node)
    {
        var tap = ManagedTapLauncherBinding.TapName(fixture.Vm.Name);
        Assert.Equal((tap, tap), (fixture.Vm.Current.Attachment.Tap, fixture.Vm.Current.Attachment.OvsPort));
        Assert.Equal(tap, await InterfacesWhereAsync(node, $"external_ids:iface-id=\"{fixture.KubeVirt.LogicalPort}\""));
        var launcher = await InterfacesWhereAsync(node, $"external_ids:pod_name=\"{fixture.KubeVirt.Launchers[^1]}\"");
        Assert.True(launcher.Length > 0 && launcher != tap, $"the launcher {fixture.KubeVirt.Launchers[^1]} has no port of its own from the daemon on {node.Name}: '{launcher}'");
        var launcherIfaceId = (await node.VsctlAsync(["get", "Interface", launcher, "external_ids:iface-id"])).Stdout.Trim().Trim('"');
        Assert.Equal(ManagedTapLauncherBinding.UnboundIfaceId(fixture.KubeVirt.LogicalPort), launcherIfaceId);
    }

    /// <summary>The address of an <c>ip -o addr</c> line's <c>inet6 &lt;address&gt;/&lt;prefix&gt;</c>, or null.</summary>
    private static IPAddress? Inet6Of(string line)
    {
        var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var at = Array.IndexOf(words, "inet6");
        return at >= 0 && at + 1 < words.Length && IPAddress.TryParse(words[at + 1].Split('/')[0], out var address) ? address : null;
    }

    /// <summary>Names of the OVS interfaces on <paramref name="node"/> matching <paramref name="condition"/>, newline-separated.</summary>
    private static async Task<string> InterfacesWhereAsync(OvsNode node, string condition) =>
        (await node.VsctlAsync(["--bare", "--columns=name", "find", "Interface", condition])).Stdout.Trim();
}
