using System.Net.Sockets;

namespace VmNet.Sandbox.Qemu;

/// <summary>
/// Runs work on a dedicated OS thread moved into a network namespace with setns. A socket belongs to the
/// netns it was created in, so one created here can then be used from any thread; the thread itself ends
/// with the work and never returns to the pool in the wrong namespace.
/// </summary>
public static class NetnsThread
{
    public static Task<T> RunAsync<T>(string netns, Func<T> work, string threadName)
    {
        ArgumentNullException.ThrowIfNull(work);
        var result = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                LinuxNative.EnterNetns(netns);
                result.SetResult(work());
            }
            catch (Exception ex)
            {
                result.SetException(ex);
            }
        })
        {
            IsBackground = true,
            Name = threadName,
        };
        thread.Start();
        return result.Task;
    }

    /// <summary>Creates a socket inside <paramref name="netns"/>.</summary>
    public static Task<Socket> CreateSocketAsync(string netns, AddressFamily family, SocketType type, ProtocolType protocol) =>
        RunAsync(netns, () => new Socket(family, type, protocol), "socket in " + netns);
}
