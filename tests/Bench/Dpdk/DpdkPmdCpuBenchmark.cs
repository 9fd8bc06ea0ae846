using System.Globalization;
using VmNet.Dpdk;
using VmNet.Sandbox.Rig;
using VmNet.Sandbox.Rig.Dpdk;

namespace VmNet.Bench.Dpdk;

/// <summary>
/// What pmd-maxsleep buys: CPU of an idle OVS-DPDK ovs-vswitchd (one vhost-user port, so a PMD thread polls)
/// over a 3 s window at OVS's default 0 (busy poll) and at VmNet's default (1000 us) and 10000 us, changed at
/// runtime; plus its RSS. Peer figure in the same run: the plain (non-DPDK) vswitchd build on node2, same userspace datapath.
/// </summary>
public sealed class DpdkPmdCpuBenchmark : IBenchmark
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(3);

    public string Name => "dpdk-pmd";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        RigPrerequisites.EnsureInstalled();
        if (!DpdkNode.IsInstalled)
        {
            throw new InvalidOperationException($"{DpdkNode.VswitchdDpdkBinary} missing: run scripts/install-deps.sh");
        }

        await RigJanitor.CleanDeadRunsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        var runId = RigRunId.New();
        try
        {
            await using var rig = await Rig.StartAsync(
                new RigOptions { RunId = runId, NodeCount = 2, ConfigureNode = DpdkNode.Configure(runId, new DpdkSettings(), n => n == "node1") },
                cancellationToken).ConfigureAwait(false);
            var node = rig.Nodes[0];
            var socket = Path.Combine(rig.Directory, "pmd.sock");
            await node.VsctlAsync(
                ["add-port", OvsNode.IntegrationBridge, "vhubench", "--", "set", "Interface", "vhubench", "type=dpdkvhostuserclient", "options:vhost-server-path=" + socket],
                cancellationToken).ConfigureAwait(false);
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
            foreach (var sleep in new[] { 0, new DpdkSettings().PmdMaxSleepMicros, DpdkSettings.MaxPmdSleepMicros })
            {
                await node.VsctlAsync(["set", "Open_vSwitch", ".", "other_config:pmd-maxsleep=" + sleep.ToString(CultureInfo.InvariantCulture)], cancellationToken).ConfigureAwait(false);
                await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken).ConfigureAwait(false);
                var used = await ProcessCpu.MeasureAsync(node.Vswitchd.Pid, Window, cancellationToken).ConfigureAwait(false);
                BenchReport.Figure(string.Create(CultureInfo.InvariantCulture, $"dpdk_vswitchd_cpu_pmd_maxsleep_{sleep}us"), used.TotalMilliseconds / Window.TotalSeconds / 10, "%core");
            }

            var plain = await ProcessCpu.MeasureAsync(rig.Nodes[1].Vswitchd.Pid, Window, cancellationToken).ConfigureAwait(false);
            BenchReport.Figure("dpdk_plain_vswitchd_cpu_peer", plain.TotalMilliseconds / Window.TotalSeconds / 10, "%core");
            BenchReport.Figure("dpdk_vswitchd_rss_one_vhost_port", DaemonMemory.RssBytes(node.Vswitchd.Pid) / 1048576.0, "MiB");
            BenchReport.Figure("dpdk_plain_vswitchd_rss_peer", DaemonMemory.RssBytes(rig.Nodes[1].Vswitchd.Pid) / 1048576.0, "MiB");
        }
        finally
        {
            DpdkNode.RemoveRuntimeDirectories(runId);
        }
    }
}
