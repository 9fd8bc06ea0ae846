using System.Globalization;
using VmNet.Daemon.Dpdk;
using VmNet.Dpdk;
using VmNet.Ovsdb.Client;
using VmNet.Ovsdb.Wire;
using VmNet.Sandbox.Qemu;
using VmNet.Sandbox.Rig;
using VmNet.Sandbox.Rig.Dpdk;

namespace VmNet.Bench.Dpdk;

/// <summary>
/// Real QEMU (TCG) live migrations of a VM whose only NIC is OVS-DPDK vhost-user, back and forth between two DPDK
/// nodes (Debian OVS-DPDK, no hugepages, pmd-maxsleep 1000 us), ports created by the daemon's vhost-user code.
/// Two modes side by side, the two outcomes of <see cref="VhostUserActivation.Decide"/>: "gaon" (QEMU default
/// guest_announce on: multi-chassis without activation strategy) and "gaoff" (guest_announce=off:
/// activation-strategy=rarp, the RARP injected by DPDK). Per migration: QEMU downtime and total time, RESUME to the
/// first ping reply, ping max gap (every 50 ms from a pod on node1), TCP echo stall.
/// Env: VMNET_BENCH_DPDK_MIGRATIONS (per mode, default 4).
/// </summary>
public sealed class DpdkMigrationBenchmark : IBenchmark
{
    private const string Switch = "sw";
    // One VM per mode, each with its own address: two LSPs with one MAC/IP on a switch would shadow each other.
    private static readonly (string Mode, bool AnnounceOff, string Mac, string Ip)[] Modes =
        [("gaon", false, "0a:00:00:10:00:15", "10.16.0.21"), ("gaoff", true, "0a:00:00:10:00:16", "10.16.0.22")];

    public string Name => "dpdk-migration";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var count = int.TryParse(Environment.GetEnvironmentVariable("VMNET_BENCH_DPDK_MIGRATIONS"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 4;
        RigPrerequisites.EnsureInstalled();
        if (!DpdkNode.IsInstalled)
        {
            throw new InvalidOperationException($"{DpdkNode.VswitchdDpdkBinary} missing: run scripts/install-deps.sh");
        }

        await RigJanitor.CleanDeadRunsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        var guest = await GuestImage.GetOrBuildAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        var runId = RigRunId.New();
        var settings = new DpdkSettings();
        var clients = new List<OvsdbClient>();
        try
        {
            await using var rig = await Rig.StartAsync(new RigOptions { RunId = runId, NodeCount = 2, ConfigureNode = DpdkNode.Configure(runId, settings) }, cancellationToken).ConfigureAwait(false);
            await rig.Central.NbctlAsync(
                [
                    "ls-add", Switch, "--", "lsp-add", Switch, "pod1", "--", "lsp-set-addresses", "pod1", "0a:00:00:10:00:0b 10.16.0.11",
                    "--", "lsp-add", Switch, "vm-gaon", "--", "lsp-set-addresses", "vm-gaon", Modes[0].Mac + " " + Modes[0].Ip,
                    "--", "lsp-add", Switch, "vm-gaoff", "--", "lsp-set-addresses", "vm-gaoff", Modes[1].Mac + " " + Modes[1].Ip,
                ],
                cancellationToken).ConfigureAwait(false);
            var pod1 = await rig.AddPodAsync(rig.Nodes[0], rig.PodOptions("pod1", "pod1", "0a:00:00:10:00:0b", "10.16.0.11/16", null), cancellationToken).ConfigureAwait(false);
            var kubelet = Path.Combine(rig.Directory, "kubelet", "pods");
            var attachments = new Dictionary<string, VhostUserAttachment>(StringComparer.Ordinal);
            foreach (var node in rig.Nodes)
            {
                var client = await OvsdbClient.ConnectAsync(new OvsdbClientOptions { Endpoints = [OvsdbEndpoint.Unix(node.Ovsdb.SocketPath)], Database = "Open_vSwitch" }, cancellationToken).ConfigureAwait(false);
                clients.Add(client);
                attachments[node.Name] = new VhostUserAttachment(new VhostUserPorts(client, OvsNode.IntegrationBridge), kubelet, Path.Combine(rig.Directory, "vs"));
            }

            Console.WriteLine($"dpdk-migration bench: {rig}, {count} migrations per mode, pmd-maxsleep {settings.PmdMaxSleepMicros} us, guest {guest.CacheKey}");
            var samples = new Dictionary<string, List<VhostUserMigrationSample>>(StringComparer.Ordinal);
            foreach (var (mode, announceOff, vmMac, vmIp) in Modes)
            {
                var logicalPort = "vm-" + mode;
                await using var harness = new VhostUserMigrationHarness(
                    rig,
                    new DirectVhostUserSwitchover(rig.Central, logicalPort, announceOff),
                    new QemuVmOptions { Guest = guest, Mac = vmMac, IpCidr = vmIp + "/16", Mtu = rig.Options.PodMtu },
                    announceOff,
                    async (node, uid, port, ct) =>
                    {
                        var podUid = mode + uid;
                        Directory.CreateDirectory(Path.Combine(kubelet, podUid, "volumes", "kubernetes.io~empty-dir", "vhostuser-sockets"));
                        var nic = await attachments[node.Name].AddAsync(
                            new VhostUserAttachRequest
                            {
                                PodNamespace = "bench", PodName = "virt-launcher-" + podUid, PodUid = podUid, ContainerId = podUid, IfName = "net1",
                                PortName = port, IfaceId = logicalPort, Mac = vmMac, Mtu = rig.Options.PodMtu,
                                SocketVolumeName = "vhostuser-sockets", SocketName = "sock",
                            },
                            ct).ConfigureAwait(false);
                        return nic.SocketPath!;
                    },
                    async (node, port, ct) => await attachments[node.Name].DelAsync(port, ct).ConfigureAwait(false),
                    pod1);
                await harness.BootAsync(rig.Nodes[0], TimeSpan.FromSeconds(120), cancellationToken).ConfigureAwait(false);
                var list = samples[mode] = [];
                for (var i = 0; i < count; i++)
                {
                    var target = harness.Node!.Name == rig.Nodes[0].Name ? rig.Nodes[1] : rig.Nodes[0];
                    var s = await harness.MigrateToAsync(target, cancellationToken).ConfigureAwait(false);
                    list.Add(s);
                    Console.WriteLine(string.Create(
                        CultureInfo.InvariantCulture,
                        $"  {i + 1,2} {mode,-5} {s.From}->{s.To} activation {s.Activation.Activation}: downtime {s.Qemu.Downtime?.TotalMilliseconds} ms, total {s.Qemu.TotalTime?.TotalMilliseconds} ms, RESUME->first reply {s.ResumeToFirstReply?.TotalMilliseconds:0} ms, ping gap {s.Ping.MaxGap.TotalMilliseconds:0} ms lost {s.Ping.Lost}, tcp stall {s.Tcp.MaxStall.TotalMilliseconds:0} ms{(s.Tcp.Alive && s.Tcp.Intact ? string.Empty : " TCP BROKEN")}"));
                }

                BenchReport.Figure("dpdk_migration_daemons_rss_" + mode, rig.DaemonRssBytes() / 1048576.0, "MiB");
            }

            foreach (var (mode, list) in samples)
            {
                Figure("qemu_downtime", mode, list, s => s.Qemu.Downtime?.TotalMilliseconds);
                Figure("total_time", mode, list, s => s.Qemu.TotalTime?.TotalMilliseconds);
                Figure("resume_to_first_reply", mode, list, s => s.ResumeToFirstReply?.TotalMilliseconds);
                Figure("ping_max_gap", mode, list, s => s.Ping.MaxGap.TotalMilliseconds);
                Figure("tcp_stall", mode, list, s => s.Tcp.MaxStall.TotalMilliseconds);
                BenchReport.Figure($"dpdk_migration_tcp_broken_{mode}", list.Count(s => !(s.Tcp.Alive && s.Tcp.Intact)), "connections");
            }
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync().ConfigureAwait(false);
            }

            DpdkNode.RemoveRuntimeDirectories(runId);
        }
    }

    private static void Figure(string figure, string mode, List<VhostUserMigrationSample> list, Func<VhostUserMigrationSample, double?> select)
    {
        var values = list.Select(select).Where(v => v is not null).Select(v => v!.Value).ToList();
        if (values.Count == 0)
        {
            return;
        }

        BenchReport.Figure($"dpdk_migration_{figure}_{mode}_p50", Migration.Percentiles.Of(values, 50), "ms");
        BenchReport.Figure($"dpdk_migration_{figure}_{mode}_max", values.Max(), "ms");
    }
}
