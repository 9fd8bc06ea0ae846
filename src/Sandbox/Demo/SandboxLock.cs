using System.Globalization;

namespace VmNet.Sandbox.Demo;

/// <summary>
/// One sandbox at a time per state directory: an exclusive lock on <c>.sandbox/lock</c> (flock under the hood,
/// released by the kernel when the holder dies, so a crashed demo never blocks the next one).
/// </summary>
public sealed class SandboxLock : IDisposable
{
    private readonly FileStream stream;

    private SandboxLock(FileStream stream) => this.stream = stream;

    public static SandboxLock Acquire(string stateDirectory)
    {
        Directory.CreateDirectory(stateDirectory);
        var path = Path.Combine(stateDirectory, "lock");
        try
        {
            var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            // The pid goes to a side file: the locked file cannot be read by the process that is refused.
            File.WriteAllText(path + ".pid", Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n");
            return new SandboxLock(stream);
        }
        catch (IOException ex)
        {
            throw new SandboxBusyException(
                $"another vmnet sandbox is running (lock {path}, held by pid {ReadOwner(path)}); stop it first with `make sandbox-down`", ex);
        }
    }

    public void Dispose() => stream.Dispose();

    private static string ReadOwner(string path)
    {
        try
        {
            var pid = File.ReadAllText(path + ".pid").Trim();
            return string.IsNullOrEmpty(pid) ? "unknown" : pid;
        }
        catch (IOException)
        {
            return "unknown";
        }
    }
}
