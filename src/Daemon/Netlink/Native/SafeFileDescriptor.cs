using System.Runtime.InteropServices;

namespace VmNet.Daemon.Netlink.Native;

/// <summary>
/// A file descriptor owned by managed code. A SafeHandle (not a bare int) so a descriptor in use by a
/// syscall on one thread is never closed, and its number reused, under it by a Dispose on another thread.
/// </summary>
internal sealed class SafeFileDescriptor : SafeHandle
{
    public SafeFileDescriptor()
        : base(invalidHandleValue: -1, ownsHandle: true)
    {
    }

    internal SafeFileDescriptor(int fd)
        : base(invalidHandleValue: -1, ownsHandle: true) => SetHandle(fd);

    public override bool IsInvalid => handle == -1;

    /// <summary>The raw number, for kernel attributes that carry a descriptor (IFLA_NET_NS_FD).</summary>
    internal int Number => (int)handle;

    protected override bool ReleaseHandle() => LibC.Close((int)handle) == 0;
}
