using System.Globalization;
using VmNet.Sandbox.Qemu;
using VmNet.Sandbox.Rig;

namespace VmNet.Bench.Migration;

/// <summary>
/// Real QEMU (TCG) live migrations of one guest back and forth between two rig nodes, switching the OVN
/// port with multi-chassis + activation-strategy=rarp ("mc", what VmNet/Kube-OVN do) and with a binding
/// moved only after "completed" ("naive"), interleaved so both see the same load. Per migration: QEMU's
/// downtime, RESUME to the first frame OVN delivers to the target tap, ping gaps and losses from a pod on
/// each node (every 20 ms), and the stall of a TCP echo connection opened before the migration.
/// A UDP stream from each pod (every 4 ms) keeps frames toward the VM in flight, so the first delivery after
/// RESUME is resolved to a few ms; it is reported overall and per sending node.
/// Env: VMNET_BENCH_MIGRATIONS (per mode, default 10), VMNET_BENCH_MIGRATION_BINDING (bridge | mtap),
/// VMNET_BENCH_NAIVE_REACTION_MS (delay of the naive controller after "completed", default 0).
/// </summary>
public sealed class MigrationBenchmark : IBenchmark
{
    private const string Switch = "mig";
    private const string VmPort = "vm1";
    private const string VmMac = "0a:00:00:10:00:15";
    private const string VmIp = "10.16.0.21";
    private static readonly TimeSpan PingInterval = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan Lead = TimeSpan.FromMilliseconds(400);
    private static readonly TimeSpan Tail = TimeSpan.FromMilliseconds(1200);
    private static readonly TimeSpan StreamInterval = TimeSpan.FromMilliseconds(4);
    private const string Pod1Mac = "0a:00:00:10:00:0b";
    private const string Pod2Mac = "0a:00:00:10:00:0c";

    public string Name => "migration";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var count = int.TryParse(Environment.GetEnvironmentVariable("VMNET_BENCH_MIGRATIONS"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 10;
        var bindingName = Environment.GetEnvironmentVariable("VMNET_BENCH_MIGRATION_BINDING") ?? "bridge";
        var naiveReaction = TimeSpan.FromMilliseconds(
            int.TryParse(Environment.GetEnvironmentVariable("VMNET_BENCH_NAIVE_REACTION_MS"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms) && ms > 0 ? ms : 0);
        RigPrerequisites.EnsureInstalled();
        await RigJanitor.CleanDeadRunsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        var guest = await GuestImage.GetOrBuildAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        await using var rig = await Rig.StartAsync(new RigOptions { NodeCount = 2 }, cancellationToken).ConfigureAwait(false);
        var mtu = rig.Options.PodMtu;
        IVmBinding binding = bindingName switch
        {
            "bridge" => new BridgeBinding(mtu),
            "mtap" => new ManagedTapBinding(mtu),
            _ => throw new ArgumentException($"VMNET_BENCH_MIGRATION_BINDING '{bindingName}' is neither bridge nor mtap"),
        };
        await rig.Central.NbctlAsync(
            [
                "ls-add", Switch, "--", "lsp-add", Switch, "pod1", "--", "lsp-set-addresses", "pod1", Pod1Mac + " 10.16.0.11",
                "--", "lsp-add", Switch, "pod2", "--", "lsp-set-addresses", "pod2", Pod2Mac + " 10.16.0.12",
                "--", "lsp-add", Switch, VmPort, "--", "lsp-set-addresses", VmPort, VmMac + " " + VmIp,
                "--", "lsp-set-options", VmPort, "requested-chassis=" + rig.Nodes[0].Name,
            ],
            cancellationToken).ConfigureAwait(false);
        var pod1 = await rig.AddPodAsync(rig.Nodes[0], rig.PodOptions("pod1", "pod1", Pod1Mac, "10.16.0.11/16", null), cancellationToken).ConfigureAwait(false);
        var pod2 = await rig.AddPodAsync(rig.Nodes[1], rig.PodOptions("pod2", "pod2", Pod2Mac, "10.16.0.12/16", null), cancellationToken).ConfigureAwait(false);
        var options = new QemuVmOptions { Guest = guest, Mac = VmMac, IpCidr = VmIp + "/16", Mtu = mtu };
        await using var vm = await MigratableVm.BootAsync(rig, rig.Nodes[0], rig.RunId.Value + "v", VmPort, options, binding, TimeSpan.FromSeconds(120), cancellationToken).ConfigureAwait(false);
        await rig.SyncHypervisorsAsync(cancellationToken).ConfigureAwait(false);
        await WaitReachableAsync(pod1, cancellationToken).ConfigureAwait(false);
        await WaitReachableAsync(pod2, cancellationToken).ConfigureAwait(false);
        Console.WriteLine($"migration bench: {rig}, binding {bindingName}, {count} migrations per mode, naive reaction {naiveReaction.TotalMilliseconds} ms, guest {guest.CacheKey}");

        IPortSwitchover[] modes = [new MultiChassisSwitchover(), new NaiveSwitchover(naiveReaction)];
        var samples = modes.ToDictionary(m => m.Name, _ => new List<MigrationSample>(), StringComparer.Ordinal);
        for (var round = 0; round < count; round++)
        {
            // Alternate which mode goes first so neither always follows the other.
            foreach (var mode in round % 2 == 0 ? modes : modes.Reverse())
            {
                var target = vm.Node.Name == rig.Nodes[0].Name ? rig.Nodes[1] : rig.Nodes[0];
                var sample = await MeasureAsync(vm, target, mode, pod1, pod2, cancellationToken).ConfigureAwait(false);
                samples[mode.Name].Add(sample);
                var r = sample.Report;
                Console.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"  {round + 1,2} {mode.Name,-5} {r.SourceNode}->{r.TargetNode} downtime {r.Qemu.Downtime?.TotalMilliseconds} ms, RESUME->first packet {r.ResumeToFirstDelivered?.TotalMilliseconds:0.0} ms (from node1 {FromNode(r, Pod1Mac):0.0}, node2 {FromNode(r, Pod2Mac):0.0}), ping gap {sample.PingNode1.MaxGap.TotalMilliseconds:0}/{sample.PingNode2.MaxGap.TotalMilliseconds:0} ms, lost {sample.PingNode1.Lost}/{sample.PingNode2.Lost}, tcp stall {sample.Tcp.MaxStall.TotalMilliseconds:0} ms{(sample.Tcp.Alive && sample.Tcp.Intact ? string.Empty : " TCP BROKEN: " + sample.Tcp)}"));
            }
        }

        foreach (var (mode, list) in samples)
        {
            Report(mode, list);
        }

        Ratio(samples, "resume_to_first_packet", s => s.Report.ResumeToFirstDelivered?.TotalMilliseconds);
        Ratio(samples, "resume_to_first_packet_from_node1", s => FromNode(s.Report, Pod1Mac));
        Ratio(samples, "resume_to_first_packet_from_node2", s => FromNode(s.Report, Pod2Mac));
        Ratio(samples, "ping_gap_node1", s => s.PingNode1.MaxGap.TotalMilliseconds);
        Ratio(samples, "ping_gap_node2", s => s.PingNode2.MaxGap.TotalMilliseconds);
    }

    private static async Task<MigrationSample> MeasureAsync(MigratableVm vm, OvsNode target, IPortSwitchover mode, TestPod pod1, TestPod pod2, CancellationToken cancellationToken)
    {
        await using var tcp = await TcpEchoProbe.StartAsync(pod1.Netns, VmIp, GuestImage.EchoPort, cancellationToken).ConfigureAwait(false);
        await using var stream1 = await UdpStreamProbe.StartAsync(pod1.Netns, VmIp, StreamInterval).ConfigureAwait(false);
        await using var stream2 = await UdpStreamProbe.StartAsync(pod2.Netns, VmIp, StreamInterval).ConfigureAwait(false);
        await using var ping1 = PingProbe.Start(pod1.Netns, VmIp, PingInterval);
        await using var ping2 = PingProbe.Start(pod2.Netns, VmIp, PingInterval);
        await Task.Delay(Lead, cancellationToken).ConfigureAwait(false);
        var report = await vm.MigrateToAsync(target, mode, new MigrationOptions { Senders = [Pod1Mac, Pod2Mac] }, cancellationToken).ConfigureAwait(false);
        if (!report.Qemu.Completed)
        {
            throw new QemuException($"{mode.Name} migration {report.SourceNode}->{report.TargetNode} ended '{report.Qemu.Status}': {report.Qemu.Error}");
        }

        await Task.Delay(Tail, cancellationToken).ConfigureAwait(false);
        var p1 = await ping1.StopAsync(cancellationToken).ConfigureAwait(false);
        var p2 = await ping2.StopAsync(cancellationToken).ConfigureAwait(false);
        var t = await tcp.StopAsync(cancellationToken).ConfigureAwait(false);
        return new MigrationSample(report, p1, p2, t);
    }

    private static void Report(string mode, List<MigrationSample> list)
    {
        Figure("qemu_downtime", mode, list, s => s.Report.Qemu.Downtime?.TotalMilliseconds, "ms");
        Figure("paused", mode, list, s => s.Report.Qemu.PausedTime?.TotalMilliseconds, "ms");
        Figure("total_time", mode, list, s => s.Report.Qemu.TotalTime?.TotalMilliseconds, "ms");
        Figure("resume_to_first_packet", mode, list, s => s.Report.ResumeToFirstDelivered?.TotalMilliseconds, "ms");
        Figure("resume_to_first_packet_from_node1", mode, list, s => FromNode(s.Report, Pod1Mac), "ms");
        Figure("resume_to_first_packet_from_node2", mode, list, s => FromNode(s.Report, Pod2Mac), "ms");
        Figure("ping_gap_node1", mode, list, s => s.PingNode1.MaxGap.TotalMilliseconds, "ms");
        Figure("ping_gap_node2", mode, list, s => s.PingNode2.MaxGap.TotalMilliseconds, "ms");
        Figure("ping_lost_node1", mode, list, s => s.PingNode1.Lost, "pings");
        Figure("ping_lost_node2", mode, list, s => s.PingNode2.Lost, "pings");
        Figure("tcp_stall", mode, list, s => s.Tcp.MaxStall.TotalMilliseconds, "ms");
        BenchReport.Figure($"migration_tcp_broken_{mode}", list.Count(s => !(s.Tcp.Alive && s.Tcp.Intact)), "connections");
        BenchReport.Figure($"migration_no_delivery_seen_{mode}", list.Count(s => s.Report.ResumeToFirstDelivered is null), "migrations");
    }

    private static void Figure(string figure, string mode, List<MigrationSample> list, Func<MigrationSample, double?> select, string unit)
    {
        var values = list.Select(select).OfType<double>().ToList();
        if (values.Count == 0)
        {
            return;
        }

        BenchReport.Figure($"migration_{figure}_{mode}_p50", Percentiles.Of(values, 50), unit);
        BenchReport.Figure($"migration_{figure}_{mode}_p95", Percentiles.Of(values, 95), unit);
        BenchReport.Figure($"migration_{figure}_{mode}_max", values.Max(), unit);
    }

    private static void Ratio(Dictionary<string, List<MigrationSample>> samples, string figure, Func<MigrationSample, double?> select)
    {
        var naive = samples["naive"].Select(select).OfType<double>().ToList();
        var mc = samples["mc"].Select(select).OfType<double>().ToList();
        if (naive.Count == 0 || mc.Count == 0)
        {
            return;
        }

        foreach (var p in new[] { 50, 95 })
        {
            var denominator = Math.Max(Percentiles.Of(mc, p), 0.1);
            BenchReport.Figure(string.Create(CultureInfo.InvariantCulture, $"migration_{figure}_naive_over_mc_p{p}"), Percentiles.Of(naive, p) / denominator, "x");
        }
    }

    private static double? FromNode(MigrationReport report, string podMac) =>
        report.FirstDeliveredBySender.TryGetValue(podMac, out var t) ? t.TotalMilliseconds : null;

    private static async Task WaitReachableAsync(TestPod pod, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var result = await pod.ExecAsync("ping", ["-c", "1", "-W", "1", VmIp], TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
            if (result.Succeeded)
            {
                return;
            }

            if (DateTime.UtcNow >= deadline)
            {
                throw new QemuException($"{pod.Name} cannot reach the guest at {VmIp}: {result.Stdout}{result.Stderr}");
            }
        }
    }
}
