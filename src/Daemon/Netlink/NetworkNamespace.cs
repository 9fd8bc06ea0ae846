using System.Runtime.InteropServices;
using VmNet.Daemon.Netlink.Native;

namespace VmNet.Daemon.Netlink;

/// <summary>
/// An open handle on a network namespace (a file under /var/run/netns/ or /proc/PID/ns/net, as CNI hands
/// it over). The handle keeps the namespace alive while open and is what the kernel takes to move a link
/// (IFLA_NET_NS_FD). setns(CLONE_NEWNET) switches only the calling thread, so a thread-pool thread must never be
/// left in another namespace. Short synchronous work (creating a socket, opening a sysctl file) borrows the calling
/// thread (<see cref="Run{T}"/>): nothing else runs on it until it is back, and a thread that cannot go back ends the
/// process. Work that blocks runs on a dedicated OS thread (<see cref="RunAsync{T}"/>).
/// </summary>
public sealed class NetworkNamespace : IDisposable
{
    private const string CurrentThreadPath = "/proc/thread-self/ns/net";

    private readonly SafeFileDescriptor _fd;

    private NetworkNamespace(SafeFileDescriptor fd, string path)
    {
        _fd = fd;
        Path = path;
    }

    /// <summary>The path the namespace was opened from, for messages.</summary>
    public string Path { get; }

    internal SafeFileDescriptor Handle => _fd;

    /// <summary>Opens the namespace at <paramref name="path"/>; throws a <see cref="NetworkNamespaceException"/> naming it when it does not exist.</summary>
    public static NetworkNamespace Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var number = LibC.Open(path, LibC.O_RDONLY | LibC.O_CLOEXEC);
        if (number < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new NetworkNamespaceException("open network namespace", path, errno,
                errno == Errno.ENOENT ? "no such network namespace path" : null);
        }

        return new NetworkNamespace(new SafeFileDescriptor(number), path);
    }

    /// <summary>Opens the network namespace of the calling thread.</summary>
    public static NetworkNamespace OpenCurrent() => Open(CurrentThreadPath);

    /// <summary>
    /// Runs <paramref name="work"/> inside this namespace on a new dedicated thread, which enters the
    /// namespace, runs the work, goes back and ends. Sockets the work creates stay bound to this namespace
    /// for their life, so they can be used afterwards from any thread. The token is checked before the
    /// thread starts.
    /// </summary>
    public Task<T> RunAsync<T>(Func<T> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        cancellationToken.ThrowIfCancellationRequested();
        // Continuations run on this thread once it is back in its original namespace (RunInside): handing them to
        // the thread pool instead costs a wakeup, measured ~14 ms per hop on a loaded 2-core node.
        var completion = new TaskCompletionSource<T>();
        var thread = new Thread(() => RunInside(work, completion))
        {
            IsBackground = true,
            Name = "netns " + Path,
        };

        // Thread.Start returns only once the new thread runs, 0.5-1 ms on a busy 2-core node (measured in the
        // cni-add bench): a thread-pool thread waits for that, not the caller.
        ThreadPool.UnsafeQueueUserWorkItem(static t => t.Start(), thread, preferLocal: false);

        // Not abandoned on cancellation once started: the work is short, and a socket it creates must
        // reach the caller to be disposed rather than leak. Long work observes the token itself.
        return completion.Task;
    }

    /// <summary>
    /// Runs <paramref name="work"/> inside this namespace on the calling thread and returns it to its namespace
    /// before returning. Only for short work that does not block and does not await (creating a socket, reading or
    /// writing a sysctl file): sockets it creates stay bound to this namespace, so they can be used from any thread.
    /// Borrowing the caller's thread avoids a thread start (0.5-1 ms on a busy node) per call.
    /// </summary>
    public T Run<T>(Func<T> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        using var original = Open(CurrentThreadPath);
        Enter(this);
        try
        {
            return work();
        }
        finally
        {
            if (LibC.SetNs(original.Handle, LibC.CLONE_NEWNET) != 0)
            {
                // This thread (possibly a thread-pool thread) would run unrelated work in the pod's namespace.
                Environment.FailFast($"setns back from network namespace {Path} failed (errno {Marshal.GetLastPInvokeError()}); the thread cannot be reused");
            }
        }
    }

    public Task RunAsync(Action work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        return RunAsync<bool>(() =>
        {
            work();
            return true;
        }, cancellationToken);
    }

    public void Dispose() => _fd.Dispose();

    public override string ToString() => Path;

    private void RunInside<T>(Func<T> work, TaskCompletionSource<T> completion)
    {
        T result;
        bool back;
        try
        {
            using var original = Open(CurrentThreadPath);
            Enter(this);
            try
            {
                result = work();
            }
            finally
            {
                back = LibC.SetNs(original.Handle, LibC.CLONE_NEWNET) == 0;
            }
        }
        catch (Exception ex)
        {
            completion.TrySetException(ex);
            return;
        }

        // The caller's continuation may run right here, but only in the namespace it came from: a thread that
        // could not go back hands the result to the thread pool.
        if (back)
        {
            completion.SetResult(result);
        }
        else
        {
            ThreadPool.QueueUserWorkItem(static state => state.Completion.SetResult(state.Result), (Completion: completion, Result: result), preferLocal: false);
        }
    }

    private static void Enter(NetworkNamespace target)
    {
        if (LibC.SetNs(target.Handle, LibC.CLONE_NEWNET) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new NetworkNamespaceException("setns(CLONE_NEWNET)", target.Path, errno,
                errno == Errno.EINVAL ? "the path is not a network namespace" : null);
        }
    }
}
