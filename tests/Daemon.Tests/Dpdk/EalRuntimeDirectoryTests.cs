using VmNet.Dpdk;
using VmNet.Sandbox.Rig;
using VmNet.Sandbox.Rig.Dpdk;

namespace VmNet.Daemon.Tests.Dpdk;

/// <summary>
/// The restart guard for OVS-DPDK: a runtime directory counts as in use while some process holds a flock on an
/// fbarray file (as a live EAL primary does), and is only released (deleted) once nobody does.
/// </summary>
public sealed class EalRuntimeDirectoryTests
{
    [Fact]
    public void TheFilePrefixIsReadBackFromDpdkExtra()
    {
        var config = new DpdkSettings { FilePrefix = "vnabcde-node1" }.ToOtherConfig();
        Assert.Equal("vnabcde-node1", EalRuntimeDirectory.FilePrefixOf(config["dpdk-extra"]));
        Assert.Null(EalRuntimeDirectory.FilePrefixOf(new DpdkSettings().ToOtherConfig()["dpdk-extra"]));
        Assert.Null(EalRuntimeDirectory.FilePrefixOf(null));
    }

    [Fact]
    public async Task ALockedDirectoryIsKeptUntilItsHolderLetsGo()
    {
        var prefix = RigRunId.New().Value + "-lock";
        using var locked = await LockedEalRuntimeDirectory.LockAsync(prefix);
        Assert.True(EalRuntimeDirectory.IsInUse(prefix));
        var release = EalRuntimeDirectory.ReleaseAsync(prefix, TimeSpan.FromSeconds(20), CancellationToken.None);
        await Task.Delay(300);
        Assert.False(release.IsCompleted, "released while a process still held the lock");
        Assert.True(Directory.Exists(locked.Path));

        locked.Release();
        await release.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(Directory.Exists(locked.Path));
        Assert.False(EalRuntimeDirectory.IsInUse(prefix));
    }

    [Fact]
    public async Task ADirectoryThatStaysLockedIsAClearError()
    {
        var prefix = RigRunId.New().Value + "-held";
        using var locked = await LockedEalRuntimeDirectory.LockAsync(prefix);
        var error = await Assert.ThrowsAsync<RigException>(() => EalRuntimeDirectory.ReleaseAsync(prefix, TimeSpan.FromMilliseconds(500), CancellationToken.None));
        Assert.Contains("--file-prefix=" + prefix, error.Message, StringComparison.Ordinal);
    }
}
