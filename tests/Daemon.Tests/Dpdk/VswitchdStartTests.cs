using System.Diagnostics;
using VmNet.Dpdk;
using VmNet.Sandbox.Rig;
using VmNet.Sandbox.Rig.Dpdk;

namespace VmNet.Daemon.Tests.Dpdk;

/// <summary>
/// ovs-vswitchd starts (first start and restarts) wait for the node's EAL runtime directory to be free and retry a
/// failed start after a settle: the retry rule with a scripted start, and the first start of a real DPDK node whose
/// runtime directory is still locked when the rig starts it.
/// </summary>
public sealed class VswitchdStartTests
{
    private static readonly TimeSpan ShortSettle = TimeSpan.FromMilliseconds(200);

    [Fact]
    public async Task AFailedStartIsRetriedAfterASettle()
    {
        var calls = new List<TimeSpan>();
        var clock = Stopwatch.StartNew();
        var result = await VswitchdStart.WithRetriesAsync(
            "node1",
            null,
            MissingPidFile(),
            _ =>
            {
                calls.Add(clock.Elapsed);
                return calls.Count < 3 ? throw new RigException("EAL: Cannot allocate memzone list") : Task.FromResult(42);
            },
            ShortSettle,
            CancellationToken.None);

        Assert.Equal(42, result);
        Assert.Equal(3, calls.Count);
        // Task.Delay runs on a millisecond tick and may end a fraction of a millisecond before the Stopwatch agrees.
        var settled = ShortSettle - TimeSpan.FromMilliseconds(5);
        Assert.True(calls[1] - calls[0] >= settled, $"second attempt {calls[1] - calls[0]} after the first: no settle");
        Assert.True(calls[2] - calls[1] >= settled, $"third attempt {calls[2] - calls[1]} after the second: no settle");
    }

    [Fact]
    public async Task TheLastFailureIsReportedAfterAllAttempts()
    {
        var calls = 0;
        var error = await Assert.ThrowsAsync<RigException>(() => VswitchdStart.WithRetriesAsync<int>(
            "node1",
            null,
            MissingPidFile(),
            _ => throw new RigException("ovs-vswitchd exited: attempt " + ++calls),
            ShortSettle,
            CancellationToken.None));

        Assert.Equal(VswitchdStart.Attempts, calls);
        Assert.Equal("ovs-vswitchd exited: attempt " + VswitchdStart.Attempts, error.Message);
    }

    [Fact]
    public async Task OtherErrorsAreNotRetried()
    {
        var calls = 0;
        await Assert.ThrowsAsync<InvalidOperationException>(() => VswitchdStart.WithRetriesAsync<int>(
            "node1", null, MissingPidFile(), _ => throw new InvalidOperationException("bad options " + ++calls), ShortSettle, CancellationToken.None));
        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task NoAttemptStartsWhileTheRuntimeDirectoryIsLocked()
    {
        var prefix = RigRunId.New().Value + "-first";
        using var locked = await LockedEalRuntimeDirectory.LockAsync(prefix);
        var started = false;
        var start = VswitchdStart.WithRetriesAsync(
            "node1",
            prefix,
            MissingPidFile(),
            _ =>
            {
                started = true;
                return Task.FromResult(Directory.Exists(locked.Path));
            },
            ShortSettle,
            CancellationToken.None);
        await Task.Delay(500);
        Assert.False(started, "the start ran while an old primary still held the runtime directory");
        locked.Release();

        var directoryExistedAtStart = await start.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(started);
        Assert.False(directoryExistedAtStart, "the new primary must start without the old runtime directory");
    }

    /// <summary>
    /// The real thing: a DPDK node's first vswitchd start while its runtime directory is still locked (as by a primary
    /// still exiting) comes up with DPDK initialised instead of EAL aborting "Cannot allocate memzone list".
    /// </summary>
    [Fact]
    public async Task TheFirstDpdkStartOfARigNodeWaitsForItsRuntimeDirectory()
    {
        RigPrerequisites.EnsureInstalled();
        Assert.True(DpdkNode.IsInstalled, DpdkNode.VswitchdDpdkBinary + " missing: run scripts/install-deps.sh");
        var runId = RigRunId.New();
        using var locked = await LockedEalRuntimeDirectory.LockAsync(DpdkNode.FilePrefix(runId, "node1"));
        var letGo = Task.Delay(TimeSpan.FromSeconds(1.5)).ContinueWith(_ => locked.Release(), TaskScheduler.Default);
        try
        {
            await using var rig = await Sandbox.Rig.Rig.StartAsync(new RigOptions { RunId = runId, NodeCount = 1, ConfigureNode = DpdkNode.Configure(runId, new DpdkSettings()) });
            await letGo;
            var initialised = await rig.Nodes[0].VsctlAsync(["get", "Open_vSwitch", ".", "dpdk_initialized"]);
            Assert.Equal("true", initialised.Stdout.Trim());
            Assert.True(ProcessSignals.IsAlive(PidFile.TryRead(Path.Combine(Path.GetFullPath(rig.Nodes[0].Options.Directory), "ovs-vswitchd.pid")) ?? -1));
        }
        finally
        {
            await letGo;
            DpdkNode.RemoveRuntimeDirectories(runId);
        }
    }

    private static string MissingPidFile() => Path.Combine(Path.GetTempPath(), RigRunId.New().Value + "-none.pid");
}
