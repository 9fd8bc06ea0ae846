using System.Diagnostics;
using System.Globalization;
using VmNet.Sandbox.Rig;
using Xunit.Abstractions;

namespace VmNet.E2E.Rig;

/// <summary>Rig lifecycle: parallel rigs stay apart, teardown leaves nothing behind, the janitor cleans dead runs, waits fail clearly.</summary>
[Collection(RigCollection.Name)]
public sealed class RigLifecycleTests(ITestOutputHelper output)
{
    [Fact]
    public async Task TwoRigsAtOnceDoNotCollideAndTeardownLeavesNothing()
    {
        RigPrerequisites.EnsureInstalled();
        var stopwatch = Stopwatch.StartNew();
        var rigs = await Task.WhenAll(
            Sandbox.Rig.Rig.StartAsync(new RigOptions { Encap = EncapType.Geneve }),
            Sandbox.Rig.Rig.StartAsync(new RigOptions { Encap = EncapType.Vxlan }));
        var bothUp = stopwatch.Elapsed;
        var (a, b) = (rigs[0], rigs[1]);
        var pids = a.DaemonPids.Concat(b.DaemonPids).ToList();
        var netns = new List<string>();
        try
        {
            Assert.NotEqual(a.RunId, b.RunId);
            Assert.NotEqual(a.Directory, b.Directory);
            Assert.Empty(a.NetnsNames.Intersect(b.NetnsNames));

            // The same overlay addresses in both rigs: each rig's pods reach their own peer.
            foreach (var rig in rigs)
            {
                await KubeOvnTopology.CreateAsync(rig.Central);
                await KubeOvnTopology.AddPortAsync(rig.Central, "pod1", KubeOvnRigFixture.Pod1Mac, KubeOvnRigFixture.Pod1Ip);
                await KubeOvnTopology.AddPortAsync(rig.Central, "pod2", KubeOvnRigFixture.Pod2Mac, KubeOvnRigFixture.Pod2Ip);
                await rig.AddPodAsync(rig.Nodes[0], rig.PodOptions("pod1", "pod1", KubeOvnRigFixture.Pod1Mac, KubeOvnRigFixture.Pod1Ip + "/16", KubeOvnTopology.Gateway));
                await rig.AddPodAsync(rig.Nodes[1], rig.PodOptions("pod2", "pod2", KubeOvnRigFixture.Pod2Mac, KubeOvnRigFixture.Pod2Ip + "/16", KubeOvnTopology.Gateway));
            }

            await Task.WhenAll(rigs.Select(r => r.SyncHypervisorsAsync()));
            await Task.WhenAll(rigs.Select(async r =>
            {
                await r.WaitPortUpAsync("pod1");
                await r.WaitPortUpAsync("pod2");
            }));
            foreach (var rig in rigs)
            {
                Assert.Equal(["node1", "node2"], (await rig.Central.ChassisNamesAsync()).Order());
                var ping = await rig.Pods[0].PingAsync(KubeOvnRigFixture.Pod2Ip, 2);
                Assert.True(ping.Succeeded, $"{rig}: {ping.Stdout}{ping.Stderr}\n{rig.Diagnostics()}");
            }

            netns.AddRange(a.NetnsNames.Concat(b.NetnsNames));
            Assert.Equal(8, netns.Count);
        }
        finally
        {
            await Task.WhenAll(rigs.Select(r => r.StopAsync()));
        }

        var listed = (await CommandRunner.RunCheckedAsync("ip", ["netns", "list"])).Stdout;
        Assert.All(netns, n => Assert.DoesNotContain(n, listed, StringComparison.Ordinal));
        Assert.All(pids, pid => Assert.False(ProcessSignals.IsAlive(pid), $"daemon pid {pid} survived teardown"));
        Assert.False(Directory.Exists(a.Directory));
        Assert.False(Directory.Exists(b.Directory));
        Assert.DoesNotContain(Directory.GetDirectories("/sys/class/net").Select(Path.GetFileName), n => n!.StartsWith(a.RunId.Value, StringComparison.Ordinal) || n.StartsWith(b.RunId.Value, StringComparison.Ordinal));

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"BENCH rig_two_parallel_up {bothUp.TotalSeconds:0.000} s"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"BENCH rig_teardown {Math.Max(a.TeardownTime.TotalSeconds, b.TeardownTime.TotalSeconds):0.000} s"));
    }

    [Fact]
    public async Task ThreeNodesShareABridgedUnderlay()
    {
        await using var rig = await Sandbox.Rig.Rig.StartAsync(new RigOptions { NodeCount = 3 });

        Assert.Equal(["node1", "node2", "node3"], (await rig.Central.ChassisNamesAsync()).Order());
        foreach (var (from, to) in new[] { (0, 3), (1, 3), (2, 1) })
        {
            var ping = await rig.Nodes[from].ExecAsync("ping", ["-c", "1", "-W", "1", rig.Options.NodeUnderlayIp(to)], TimeSpan.FromSeconds(5));
            Assert.True(ping.Succeeded, $"node{from + 1} -> node{to}: {ping.Stdout}{ping.Stderr}");
        }
    }

    [Fact]
    public async Task WaitForUnboundPortFailsWithLogTails()
    {
        await using var rig = await Sandbox.Rig.Rig.StartAsync(new RigOptions { NodeCount = 1 });
        await rig.Central.NbctlAsync(["ls-add", "sw", "--", "lsp-add", "sw", "ghost"]);

        var ex = await Assert.ThrowsAsync<RigException>(() =>
            OvnWaits.WaitPortUpAsync(rig.Central, "ghost", TimeSpan.FromMilliseconds(300), rig.Diagnostics, CancellationToken.None));

        Assert.Contains("'ghost' not up", ex.Message, StringComparison.Ordinal);
        Assert.Contains("ovn-controller.log]", ex.Message, StringComparison.Ordinal);
        Assert.Contains("ovn-northd.log]", ex.Message, StringComparison.Ordinal);

        var chassisEx = await Assert.ThrowsAsync<RigException>(() =>
            OvnWaits.WaitForChassisAsync(rig.Central, ["node1", "node9"], TimeSpan.FromMilliseconds(300), rig.Diagnostics, CancellationToken.None));
        Assert.Contains("registered: [node1]", chassisEx.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FailedStartLeavesNothingBehind()
    {
        var options = new RigOptions { UnderlayPrefix = "999.1.1" };
        var before = NetworkNamespace.List().ToHashSet();

        var ex = await Assert.ThrowsAsync<RigCommandException>(() => Sandbox.Rig.Rig.StartAsync(options));

        Assert.Contains("999.1.1.1/24", ex.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(options.EffectiveDirectory));
        Assert.DoesNotContain(NetworkNamespace.List(), n => n.StartsWith(options.RunId.Value, StringComparison.Ordinal) && !before.Contains(n));
        // Every daemon of the run names the run directory in its command line (ovsdb-server) or environment (OVS_RUNDIR).
        var leftovers = Directory.GetDirectories("/proc")
            .Where(d => int.TryParse(Path.GetFileName(d), out var pid) && ProcessSignals.IsAlive(pid))
            .Where(d => (SafeRead(Path.Combine(d, "cmdline")) + SafeRead(Path.Combine(d, "environ"))).Contains(options.EffectiveDirectory, StringComparison.Ordinal))
            .ToList();
        Assert.Empty(leftovers);
    }

    private static string SafeRead(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return string.Empty;
        }
        catch (UnauthorizedAccessException)
        {
            return string.Empty;
        }
    }

    [Fact]
    public async Task JanitorCleansDeadRunsAndSparesLiveOnes()
    {
        var root = Path.Combine(Path.GetTempPath(), "vmnet-janitor-" + RigRunId.New().Value);
        using var bystander = Process.Start("sleep", "30");
        try
        {
            var deadId = RigRunId.New();
            var deadDir = Path.Combine(root, "vmnet-rig-" + deadId.Value);
            var manifest = RigManifest.Create(deadDir);
            var server = await OvsdbServerProcess.StartAsync(OvsdbServerOptions.ForOpenVSwitch(deadDir));
            manifest.RecordPid(server.Pid, "ovsdb-server");
            var netns = deadId.Value + "n1";
            manifest.RecordNetns(netns);
            await NetworkNamespace.AddAsync(netns, CancellationToken.None);

            // Same PID and executable but another start time: a reused PID, which must not be killed.
            await File.AppendAllTextAsync(Path.Combine(deadDir, RigManifest.PidsFile), $"{bystander.Id} 1 sleep\n");
            await File.WriteAllTextAsync(Path.Combine(deadDir, RigManifest.OwnerFile), $"{await ExitedPidAsync()} 1\n");

            var liveDir = Path.Combine(root, "vmnet-rig-" + RigRunId.New().Value);
            RigManifest.Create(liveDir);

            var removed = await RigJanitor.CleanDeadRunsAsync(root);

            Assert.Equal([deadDir], removed);
            Assert.False(ProcessSignals.IsAlive(server.Pid));
            Assert.False(NetworkNamespace.Exists(netns));
            Assert.False(Directory.Exists(deadDir));
            Assert.True(Directory.Exists(liveDir));
            Assert.True(ProcessSignals.IsAlive(bystander.Id));
        }
        finally
        {
            bystander.Kill();
            Directory.Delete(root, recursive: true);
        }
    }

    private static async Task<int> ExitedPidAsync()
    {
        using var process = Process.Start("true");
        await process.WaitForExitAsync();
        return process.Id;
    }
}
