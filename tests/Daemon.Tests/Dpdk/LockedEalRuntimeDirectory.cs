using VmNet.Sandbox.Rig.Dpdk;

namespace VmNet.Daemon.Tests.Dpdk;

/// <summary>
/// An EAL runtime directory held the way a live (or still exiting) DPDK primary holds it: a shared flock on an
/// fbarray file. <see cref="Release"/> lets go like the primary exiting; disposing also removes the directory.
/// </summary>
internal sealed class LockedEalRuntimeDirectory : IDisposable
{
    private readonly FileStream _holder;

    private LockedEalRuntimeDirectory(string path, FileStream holder)
    {
        Path = path;
        _holder = holder;
    }

    public string Path { get; }

    public static async Task<LockedEalRuntimeDirectory> LockAsync(string filePrefix)
    {
        var path = EalRuntimeDirectory.PathOf(filePrefix);
        Directory.CreateDirectory(path);
        var file = System.IO.Path.Combine(path, "fbarray_memzone");
        await File.WriteAllBytesAsync(file, new byte[4096]);
        // FileShare.Read takes a shared flock, like EAL's after init.
        return new LockedEalRuntimeDirectory(path, new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read));
    }

    public void Release() => _holder.Dispose();

    public void Dispose()
    {
        _holder.Dispose();
        if (Directory.Exists(Path))
        {
            Directory.Delete(Path, recursive: true);
        }
    }
}
