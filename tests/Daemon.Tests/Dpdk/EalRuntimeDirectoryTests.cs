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
        var dir = EalRuntimeDirectory.PathOf(prefix);
        Directory.CreateDirectory(dir);
        try
        {
            var file = Path.Combine(dir, "fbarray_memzone");
            await File.WriteAllBytesAsync(file, new byte[4096]);
            Task release;
            // FileShare.Read takes a shared flock, like EAL's after init.
            using (new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read))
            {
                Assert.True(EalRuntimeDirectory.IsInUse(prefix));
                release = EalRuntimeDirectory.ReleaseAsync(prefix, TimeSpan.FromSeconds(20), CancellationToken.None);
                await Task.Delay(300);
                Assert.False(release.IsCompleted, "released while a process still held the lock");
                Assert.True(Directory.Exists(dir));
            }

            await release.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.False(Directory.Exists(dir));
            Assert.False(EalRuntimeDirectory.IsInUse(prefix));
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    [Fact]
    public async Task ADirectoryThatStaysLockedIsAClearError()
    {
        var prefix = RigRunId.New().Value + "-held";
        var dir = EalRuntimeDirectory.PathOf(prefix);
        Directory.CreateDirectory(dir);
        try
        {
            var file = Path.Combine(dir, "fbarray_memzone");
            await File.WriteAllBytesAsync(file, new byte[4096]);
            using var holder = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read);
            var error = await Assert.ThrowsAsync<RigException>(() => EalRuntimeDirectory.ReleaseAsync(prefix, TimeSpan.FromMilliseconds(500), CancellationToken.None));
            Assert.Contains("--file-prefix=" + prefix, error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
