using System.Globalization;
using VmNet.Bench.Migration;
using VmNet.E2E.Dpdk;
using VmNet.Sandbox.Qemu;
using VmNet.Sandbox.Rig.Dpdk;

namespace VmNet.Bench.Dpdk;

/// <summary>
/// Real QEMU (TCG) live migrations of VMs whose only NIC is OVS-DPDK vhost-user, back and forth between two DPDK
/// nodes, on the e2e's cluster (<see cref="DpdkClusterFixture"/>: Debian OVS-DPDK without hugepages, our daemon on
/// each node, the in-process API server, our controller's migration module). Every launcher pod's NIC is created and
/// removed by the published CNI binary. Two flows interleaved so both see the same load, one VM each:
/// "ours": KubeVirt's VMIM phases through the API server, our controller binds the port on both chassis during the
/// migration (vhost-user with QEMU's default guest_announce: no activation strategy) and on the target alone after;
/// "naive": no multi-chassis, the target is bound only once the migration completed and a controller watching the
/// VMI's status.nodeName through the API rebinds it (<see cref="NaiveRebinder"/>).
/// Per migration: QEMU downtime, RESUME to the first ping reply from a pod on each node, ping max gap and lost pings
/// from both pods (every 20 ms), TCP echo stall. Env: VMNET_BENCH_DPDK_MIGRATIONS (per flow, default 10),
/// VMNET_BENCH_NAIVE_REACTION_MS (delay of the naive controller after nodeName moved, default 0).
/// </summary>
public sealed class DpdkMigrationBenchmark : IBenchmark
{
    private static readonly TimeSpan PingInterval = TimeSpan.FromMilliseconds(20);

    private static readonly ((string Name, bool Ratio) Figure, Func<VhostUserMigrationSample, double?> Select)[] FigureList =
    [
        (("qemu_downtime", false), s => s.Qemu.Downtime?.TotalMilliseconds),
        (("total_time", false), s => s.Qemu.TotalTime?.TotalMilliseconds),
        (("resume_to_first_reply_node1", true), s => s.ResumeToFirstReply?.TotalMilliseconds),
        (("resume_to_first_reply_node2", true), s => s.ResumeToFirstReplyOther?.TotalMilliseconds),
        (("ping_gap_node1", true), s => s.Ping.MaxGap.TotalMilliseconds),
        (("ping_gap_node2", true), s => s.OtherPing?.MaxGap.TotalMilliseconds),
        (("ping_lost_node1", true), s => s.Ping.Lost),
        (("ping_lost_node2", true), s => s.OtherPing?.Lost),
        (("tcp_stall", true), s => s.Tcp.MaxStall.TotalMilliseconds),
    ];

    public string Name => "dpdk-migration";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var count = int.TryParse(Environment.GetEnvironmentVariable("VMNET_BENCH_DPDK_MIGRATIONS"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 10;
        var naiveReaction = TimeSpan.FromMilliseconds(
            int.TryParse(Environment.GetEnvironmentVariable("VMNET_BENCH_NAIVE_REACTION_MS"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms) && ms > 0 ? ms : 0);
        var guest = await GuestImage.GetOrBuildAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        var cluster = new DpdkClusterFixture();
        await cluster.InitializeAsync().ConfigureAwait(false);
        try
        {
            var flows = new List<(string Name, VhostUserMigrationHarness Harness)>();
            var ports = new Dictionary<string, string>(StringComparer.Ordinal);
            var vms = new[] { ("ours", false), ("naive", true) }
                .Select(f => (Flow: f.Item1, Naive: f.Item2, Vm: f.Item1 + cluster.Rig.RunId.Value[2..], Address: cluster.NextAddress()))
                .ToArray();
            foreach (var v in vms.Where(v => v.Naive))
            {
                ports[v.Vm] = $"{v.Vm}.{DpdkClusterFixture.Ns}.{DpdkClusterFixture.Provider}";
            }

            await using var rebinder = new NaiveRebinder(cluster, ports, naiveReaction);
            try
            {
                foreach (var (flow, naive, vm, (ip, mac)) in vms)
                {
                    var lsp = await cluster.CreateVmPortAsync(vm, ip, mac).ConfigureAwait(false);
                    var kubeVirt = new VhostUserKubeVirt(cluster, vm, ip, mac, lsp, bindAfterCompletion: naive);
                    var options = new QemuVmOptions { Guest = guest, Mac = mac, IpCidr = ip + "/16", Mtu = DpdkClusterFixture.Mtu };
                    var harness = new VhostUserMigrationHarness(cluster.Rig, kubeVirt, options, false, kubeVirt.PlugAsync, kubeVirt.UnplugAsync, cluster.Prober1, cluster.Prober2)
                    {
                        PingInterval = PingInterval,
                    };
                    flows.Add((flow, harness));
                    await harness.BootAsync(cluster.Rig.Nodes[0], TimeSpan.FromSeconds(120), cancellationToken).ConfigureAwait(false);
                    var across = await DpdkClusterFixture.PingWhenReachableAsync(cluster.Prober2, ip, TimeSpan.FromSeconds(30)).ConfigureAwait(false);
                    if (across.ExitCode != 0)
                    {
                        throw new QemuException($"{flow} VM {ip} on node1 not reachable across Geneve from {cluster.Prober2.Name}: {across.Stdout}{across.Stderr}");
                    }
                }

                Console.WriteLine($"dpdk-migration bench: {cluster.Rig}, {count} migrations per flow (ours, naive), naive reaction {naiveReaction.TotalMilliseconds} ms, ping every {PingInterval.TotalMilliseconds} ms, guest {guest.CacheKey}");
                var samples = flows.ToDictionary(f => f.Name, _ => new List<VhostUserMigrationSample>(), StringComparer.Ordinal);
                for (var round = 0; round < count; round++)
                {
                    foreach (var (flow, harness) in round % 2 == 0 ? flows : Enumerable.Reverse(flows))
                    {
                        var target = harness.Node!.Name == cluster.Rig.Nodes[0].Name ? cluster.Rig.Nodes[1] : cluster.Rig.Nodes[0];
                        var s = await harness.MigrateToAsync(target, cancellationToken).ConfigureAwait(false);
                        samples[flow].Add(s);
                        Console.WriteLine(string.Create(
                            CultureInfo.InvariantCulture,
                            $"  {round + 1,2} {flow,-5} {s.From}->{s.To} downtime {s.Qemu.Downtime?.TotalMilliseconds} ms, RESUME->first reply {s.ResumeToFirstReply?.TotalMilliseconds:0}/{s.ResumeToFirstReplyOther?.TotalMilliseconds:0} ms, ping gap {s.Ping.MaxGap.TotalMilliseconds:0}/{s.OtherPing?.MaxGap.TotalMilliseconds:0} ms lost {s.Ping.Lost}/{s.OtherPing?.Lost}, tcp stall {s.Tcp.MaxStall.TotalMilliseconds:0} ms{(s.Tcp.Alive && s.Tcp.Intact ? string.Empty : " TCP BROKEN: " + s.Tcp.Error)}"));
                    }
                }

                foreach (var (flow, list) in samples)
                {
                    Report(flow, list);
                }

                foreach (var (figure, select) in FigureList.Where(f => f.Figure.Ratio))
                {
                    Ratio(samples, figure.Name, select);
                }

                BenchReport.Figure("dpdk_migration_naive_rebinder_errors", rebinder.Errors, "errors");
            }
            finally
            {
                foreach (var (_, harness) in flows)
                {
                    await harness.DisposeAsync().ConfigureAwait(false);
                }
            }
        }
        finally
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static void Report(string flow, List<VhostUserMigrationSample> list)
    {
        foreach (var ((name, _), select) in FigureList)
        {
            var values = list.Select(select).OfType<double>().ToList();
            if (values.Count == 0)
            {
                continue;
            }

            var unit = name.StartsWith("ping_lost", StringComparison.Ordinal) ? "pings" : "ms";
            BenchReport.Figure($"dpdk_migration_{name}_{flow}_p50", Percentiles.Of(values, 50), unit);
            BenchReport.Figure($"dpdk_migration_{name}_{flow}_p95", Percentiles.Of(values, 95), unit);
            BenchReport.Figure($"dpdk_migration_{name}_{flow}_max", values.Max(), unit);
        }

        BenchReport.Figure($"dpdk_migration_tcp_broken_{flow}", list.Count(s => !(s.Tcp.Alive && s.Tcp.Intact)), "connections");
        BenchReport.Figure($"dpdk_migration_no_reply_after_resume_{flow}", list.Count(s => s.ResumeToFirstReply is null), "migrations");
    }

    private static void Ratio(Dictionary<string, List<VhostUserMigrationSample>> samples, string figure, Func<VhostUserMigrationSample, double?> select)
    {
        var naive = samples["naive"].Select(select).OfType<double>().ToList();
        var ours = samples["ours"].Select(select).OfType<double>().ToList();
        if (naive.Count == 0 || ours.Count == 0)
        {
            return;
        }

        foreach (var p in new[] { 50, 95 })
        {
            // A floor keeps a zero (no ping lost) from dividing by nothing; lost pings count in whole pings.
            var floor = figure.StartsWith("ping_lost", StringComparison.Ordinal) ? 1 : 0.1;
            BenchReport.Figure(string.Create(CultureInfo.InvariantCulture, $"dpdk_migration_{figure}_naive_over_ours_p{p}"), Percentiles.Of(naive, p) / Math.Max(Percentiles.Of(ours, p), floor), "x");
        }
    }
}
