using System.Globalization;
using VmNet.Controller.Migrations;
using VmNet.Kube;
using VmNet.Kube.Models;
using VmNet.Migration.Stack;
using VmNet.Sandbox.Qemu;
using VmNet.Sandbox.Rig;

namespace VmNet.Bench.Migration;

/// <summary>
/// Real QEMU (TCG) live migrations back and forth between two rig nodes, networked by the whole VmNet stack
/// ("vmnet": API server, our controller writing the Northbound, our daemons plugging every launcher pod through the
/// CNI binary, KubeVirt played through the API: VMIM phases and the VMI's migrationState), side by side with the
/// naive flow ("naive": a second VM whose target port is bound only when a reactor watching VMIMs through the same
/// API sees Succeeded, as a controller without multi-chassis binding would). Rounds alternate which mode goes
/// first so both see the same load. Per migration: QEMU's downtime, RESUME to the first frame OVN delivers to the
/// target tap (captured on the tap; overall and per sending node), ping gaps and losses from a pod on each node
/// (every 20 ms), and the stall of a TCP echo connection opened before the migration. A UDP stream from each pod
/// (every 4 ms by default) keeps frames toward the VM in flight so the first delivery is resolved to a few ms.
/// Both modes' KubeVirt plays the same completion chain from the target's RESUME (<see cref="KubeVirtCompletionChain"/>:
/// target ready, VMI completed, VMIM Succeeded); for the naive mode each hop, the reactor's and the first packet
/// after it are reported (migration_naive_hop_*).
/// Env: VMNET_BENCH_MIGRATIONS (per mode, default 10), VMNET_BENCH_STREAM_MS (UDP stream interval, default 4: with 1 ms the guest's echo lost whole records in 5 of ~230 migrations, cause open, see src/Sandbox/Qemu/README.md),
/// VMNET_BENCH_VMNET_HOLD_SUCCEEDED=1 (diagnostic: a third mode "vmnetheld" in every round, ours with KubeVirt never
/// reporting Succeeded, as when it reports it later than OVN activates the target; the controller's activation
/// fallback completes each of those switchovers. Same VM, same run: an A/B of the completion racing the activation).
/// </summary>
public sealed class MigrationBenchmark : IBenchmark
{
    private const string OursVm = "bvm";
    private const string OursMac = "0a:00:00:10:00:d2";
    private const string OursIp = "10.16.0.210";
    private const string NaiveVm = "nvm";
    private const string NaiveMac = "0a:00:00:10:00:d3";
    private const string NaiveIp = "10.16.0.211";
    private const string HeldMode = "vmnetheld";
    private static readonly TimeSpan PingInterval = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan Lead = TimeSpan.FromMilliseconds(400);
    private static readonly TimeSpan Tail = TimeSpan.FromMilliseconds(1200);
    private static readonly TimeSpan StackTimeout = TimeSpan.FromSeconds(60);

    public string Name => "migration";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var count = int.TryParse(Environment.GetEnvironmentVariable("VMNET_BENCH_MIGRATIONS"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 10;
        var holdSucceeded = Environment.GetEnvironmentVariable("VMNET_BENCH_VMNET_HOLD_SUCCEEDED") == "1";
        var stream = TimeSpan.FromMilliseconds(
            double.TryParse(Environment.GetEnvironmentVariable("VMNET_BENCH_STREAM_MS"), NumberStyles.Float, CultureInfo.InvariantCulture, out var ms) && ms > 0 ? ms : 4);
        RigPrerequisites.EnsureInstalled();
        await RigJanitor.CleanDeadRunsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        var guest = await GuestImage.GetOrBuildAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        await using var rig = await Rig.StartAsync(new RigOptions { NodeCount = 2, CentralTcp = true }, cancellationToken).ConfigureAwait(false);
        var mtu = rig.Options.PodMtu;
        var cni = Path.Combine(VmNet.TestSupport.TestPaths.RepoRoot, "artifacts", "cni", "vmnet");
        await using var stack = await MigrationStack.StartAsync(rig, cni, MigrationModule.DefaultActivationGrace, Serilog.Core.Logger.None, cancellationToken).ConfigureAwait(false);
        var pod1 = await stack.AddPodAsync(rig.Nodes[0], "pod1", cancellationToken).ConfigureAwait(false);
        var pod2 = await stack.AddPodAsync(rig.Nodes[1], "pod2", cancellationToken).ConfigureAwait(false);

        // Ours: every launcher pod through the controller, the daemon and the CNI binary.
        var kubeVirt = stack.VirtualMachine(OursVm, OursIp, OursMac, StackTimeout);
        await kubeVirt.CreateVmAsync(cancellationToken).ConfigureAwait(false);
        var oursOptions = new QemuVmOptions { Guest = guest, Mac = OursMac, IpCidr = OursIp + "/16", Gateway = MigrationStack.Gateway, Mtu = mtu };
        await using var ours = await MigratableVm.BootAsync(rig, rig.Nodes[0], rig.RunId.Value + "v", kubeVirt.LogicalPort, oursOptions, kubeVirt, TimeSpan.FromSeconds(120), cancellationToken).ConfigureAwait(false);

        // Naive: a port outside the controller's care (plain LSP, no VM ownership), its VMIMs in the same API.
        await rig.Central.NbctlAsync(["lsp-add", "ovn-default", NaiveVm, "--", "lsp-set-addresses", NaiveVm, NaiveMac + " " + NaiveIp], cancellationToken).ConfigureAwait(false);
        await stack.Kube.CreateAsync(
            new V1VirtualMachineInstance { ApiVersion = "kubevirt.io/v1", Kind = "VirtualMachineInstance", Metadata = new V1ObjectMeta { Name = NaiveVm, Namespace = MigrationStack.Ns }, Spec = new V1VirtualMachineInstanceSpec() },
            cancellationToken).ConfigureAwait(false);
        var naiveOptions = oursOptions with { Mac = NaiveMac, IpCidr = NaiveIp + "/16" };
        await using var naive = await MigratableVm.BootAsync(rig, rig.Nodes[0], rig.RunId.Value + "n", NaiveVm, naiveOptions, new BridgeBinding(mtu), TimeSpan.FromSeconds(120), cancellationToken).ConfigureAwait(false);
        await using var naiveSwitchover = new NaiveApiSwitchover(stack.Kube, NaiveVm, StackTimeout);

        foreach (var ip in new[] { OursIp, NaiveIp })
        {
            await WaitReachableAsync(pod1, ip, cancellationToken).ConfigureAwait(false);
            await WaitReachableAsync(pod2, ip, cancellationToken).ConfigureAwait(false);
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"migration bench: {rig}, bridge binding, {count} migrations per mode, UDP stream every {stream.TotalMilliseconds} ms from each pod{(holdSucceeded ? ", plus ours without VMIM Succeeded (vmnetheld, diagnostic)" : string.Empty)}, guest {guest.CacheKey}"));
        BenchReport.Figure("migration_probe_stream_interval", stream.TotalMilliseconds, "ms");
        var modes = new (string Name, MigratableVm Vm, string Ip, IPortSwitchover Switchover)[] { ("vmnet", ours, OursIp, kubeVirt), ("naive", naive, NaiveIp, naiveSwitchover) };
        if (holdSucceeded)
        {
            modes = [modes[0], (HeldMode, ours, OursIp, kubeVirt), modes[1]];
        }

        var samples = modes.ToDictionary(m => m.Name, _ => new List<MigrationSample>(), StringComparer.Ordinal);
        for (var round = 0; round < count; round++)
        {
            // Alternate which mode goes first so neither always follows the other.
            foreach (var mode in round % 2 == 0 ? modes : modes.Reverse())
            {
                var target = mode.Vm.Node.Name == rig.Nodes[0].Name ? rig.Nodes[1] : rig.Nodes[0];
                kubeVirt.ReportSucceeded = mode.Name != HeldMode;
                var measured = await MeasureAsync(mode.Vm, mode.Ip, target, mode.Switchover, pod1, pod2, stream, cancellationToken).ConfigureAwait(false);
                var sample = mode.Switchover == naiveSwitchover
                    ? measured with { Chain = naiveSwitchover.Chains[^1].Hops, Reactor = (naiveSwitchover.Chains[^1].SucceededSeen, naiveSwitchover.Chains[^1].Bound) }
                    : measured with { Chain = kubeVirt.LastCompletion };
                samples[mode.Name].Add(sample);
                if (Environment.GetEnvironmentVariable("VMNET_BENCH_MIGRATION_DEBUG") == "1")
                {
                    var sb = await rig.Central.SbctlAsync(["--bare", "--columns=options", "find", "Port_Binding", "logical_port=" + (mode.Name == "vmnet" ? kubeVirt.LogicalPort : NaiveVm)], cancellationToken).ConfigureAwait(false);
                    Console.WriteLine("     SB options: " + sb.Stdout.Trim());
                }

                var r = sample.Report;
                Console.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"  {round + 1,2} {mode.Name,-5} {r.SourceNode}->{r.TargetNode} downtime {r.Qemu.Downtime?.TotalMilliseconds} ms, RESUME->first packet {r.ResumeToFirstDelivered?.TotalMilliseconds:0.0} ms (from node1 {FromNode(r, pod1.Mac):0.0}, node2 {FromNode(r, pod2.Mac):0.0}), ping gap {sample.PingNode1.MaxGap.TotalMilliseconds:0}/{sample.PingNode2.MaxGap.TotalMilliseconds:0} ms, lost {sample.PingNode1.Lost}/{sample.PingNode2.Lost}, tcp stall {sample.Tcp.MaxStall.TotalMilliseconds:0} ms, delivered before RESUME {r.DeliveredBeforeResume}{(sample.Tcp.Alive && sample.Tcp.Intact ? string.Empty : " TCP BROKEN: " + sample.Tcp)}"));
                Console.WriteLine("     " + ChainLine(sample));
            }
        }

        foreach (var (mode, list) in samples)
        {
            Report(mode, list, pod1.Mac, pod2.Mac);
        }

        if (naiveSwitchover.Reactions.Count > 0)
        {
            var reactions = naiveSwitchover.Reactions.Select(t => t.TotalMilliseconds).ToList();
            BenchReport.Figure("migration_naive_api_reaction_p50", Percentiles.Of(reactions, 50), "ms");
            BenchReport.Figure("migration_naive_api_reaction_max", reactions.Max(), "ms");
        }

        MigrationHops.Report(samples);

        Ratio(samples, "resume_to_first_packet", s => s.Report.ResumeToFirstDelivered?.TotalMilliseconds);
        Ratio(samples, "resume_to_first_packet_from_node1", s => FromNode(s.Report, pod1.Mac));
        Ratio(samples, "resume_to_first_packet_from_node2", s => FromNode(s.Report, pod2.Mac));
        Ratio(samples, "ping_gap_node1", s => s.PingNode1.MaxGap.TotalMilliseconds);
        Ratio(samples, "ping_gap_node2", s => s.PingNode2.MaxGap.TotalMilliseconds);
        Ratio(samples, "tcp_stall", s => s.Tcp.MaxStall.TotalMilliseconds);
    }

    private static async Task<MigrationSample> MeasureAsync(
        MigratableVm vm, string vmIp, OvsNode target, IPortSwitchover mode, StackPod pod1, StackPod pod2, TimeSpan streamInterval, CancellationToken cancellationToken)
    {
        await using var tcp = await TcpEchoProbe.StartAsync(pod1.Netns, vmIp, GuestImage.EchoPort, cancellationToken).ConfigureAwait(false);
        await using var stream1 = await UdpStreamProbe.StartAsync(pod1.Netns, vmIp, streamInterval).ConfigureAwait(false);
        await using var stream2 = await UdpStreamProbe.StartAsync(pod2.Netns, vmIp, streamInterval).ConfigureAwait(false);
        await using var ping1 = PingProbe.Start(pod1.Netns, vmIp, PingInterval);
        await using var ping2 = PingProbe.Start(pod2.Netns, vmIp, PingInterval);
        await Task.Delay(Lead, cancellationToken).ConfigureAwait(false);
        var report = await vm.MigrateToAsync(target, mode, new MigrationOptions { Senders = [pod1.Mac, pod2.Mac] }, cancellationToken).ConfigureAwait(false);
        if (!report.Qemu.Completed)
        {
            throw new QemuException($"{mode.Name} migration {report.SourceNode}->{report.TargetNode} ended '{report.Qemu.Status}': {report.Qemu.Error}");
        }

        await Task.Delay(Tail, cancellationToken).ConfigureAwait(false);
        var p1 = await ping1.StopAsync(cancellationToken).ConfigureAwait(false);
        var p2 = await ping2.StopAsync(cancellationToken).ConfigureAwait(false);
        var t = await tcp.StopAsync(cancellationToken).ConfigureAwait(false);
        return new MigrationSample(report, p1, p2, t, null, null);
    }

    private static void Report(string mode, List<MigrationSample> list, string pod1Mac, string pod2Mac)
    {
        Figure("qemu_downtime", mode, list, s => s.Report.Qemu.Downtime?.TotalMilliseconds, "ms");
        Figure("paused", mode, list, s => s.Report.Qemu.PausedTime?.TotalMilliseconds, "ms");
        Figure("total_time", mode, list, s => s.Report.Qemu.TotalTime?.TotalMilliseconds, "ms");
        Figure("resume_to_first_packet", mode, list, s => s.Report.ResumeToFirstDelivered?.TotalMilliseconds, "ms");
        Figure("resume_to_first_packet_from_node1", mode, list, s => FromNode(s.Report, pod1Mac), "ms");
        Figure("resume_to_first_packet_from_node2", mode, list, s => FromNode(s.Report, pod2Mac), "ms");
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
        var mc = samples["vmnet"].Select(select).OfType<double>().ToList();
        if (naive.Count == 0 || mc.Count == 0)
        {
            return;
        }

        foreach (var p in new[] { 50, 95 })
        {
            var denominator = Math.Max(Percentiles.Of(mc, p), 0.1);
            BenchReport.Figure(string.Create(CultureInfo.InvariantCulture, $"migration_{figure}_naive_over_vmnet_p{p}"), Percentiles.Of(naive, p) / denominator, "x");
        }
    }

    private static string ChainLine(MigrationSample s)
    {
        if (s.Chain is not { } c || s.Report.Qemu.TargetResumedAt is not { } resumed)
        {
            return "KubeVirt chain: none";
        }

        var ci = CultureInfo.InvariantCulture;
        var chain = string.Create(ci, $"KubeVirt chain from RESUME: target ready +{(c.TargetReady - resumed).TotalMilliseconds:0.0}, VMI completed +{(c.VmiCompleted - resumed).TotalMilliseconds:0.0}, VMIM Succeeded +{(c.VmimSucceeded - resumed)?.TotalMilliseconds:0.0} ms");
        var reactor = s.Reactor is { } r ? string.Create(ci, $", reactor saw it +{(r.SucceededSeen - resumed).TotalMilliseconds:0.0}, bound +{(r.Bound - resumed).TotalMilliseconds:0.0} ms") : string.Empty;
        var rarps = string.Join("/", s.Report.RarpAfterResume.Select(t => t.TotalMilliseconds.ToString("0.0", ci)));
        return chain + reactor + string.Create(ci, $", first packet +{s.Report.ResumeToFirstDelivered?.TotalMilliseconds:0.0} ms; RARPs at {rarps} ms");
    }

    private static double? FromNode(MigrationReport report, string podMac) =>
        report.FirstDeliveredBySender.TryGetValue(podMac, out var t) ? t.TotalMilliseconds : null;

    private static async Task WaitReachableAsync(StackPod pod, string vmIp, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var result = await NetworkNamespace.ExecAsync(pod.Netns, "ping", ["-c", "1", "-W", "1", vmIp], TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
            if (result.Succeeded)
            {
                return;
            }

            if (DateTime.UtcNow >= deadline)
            {
                throw new QemuException($"{pod.Name} cannot reach the guest at {vmIp}: {result.Stdout}{result.Stderr}");
            }
        }
    }
}
