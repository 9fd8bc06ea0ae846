using System.Collections.Frozen;
using System.Runtime.InteropServices;

namespace VmNet.Daemon.Netlink.Native;

/// <summary>Linux errno numbers to their symbolic names, so errors read like the kernel headers.</summary>
internal static class Errno
{
    internal const int EPERM = 1;
    internal const int ENOENT = 2;
    internal const int EINTR = 4;
    internal const int EAGAIN = 11;
    internal const int EEXIST = 17;
    internal const int ENODEV = 19;
    internal const int EINVAL = 22;
    internal const int EBUSY = 16;
    internal const int EOPNOTSUPP = 95;
    internal const int EADDRNOTAVAIL = 99;
    internal const int ESRCH = 3;
    internal const int ENETDOWN = 100;
    internal const int ENOBUFS = 105;

    private static readonly FrozenDictionary<int, string> Names = new Dictionary<int, string>
    {
        [1] = "EPERM", [2] = "ENOENT", [3] = "ESRCH", [4] = "EINTR", [5] = "EIO", [6] = "ENXIO", [7] = "E2BIG",
        [9] = "EBADF", [11] = "EAGAIN", [12] = "ENOMEM", [13] = "EACCES", [14] = "EFAULT", [16] = "EBUSY",
        [17] = "EEXIST", [18] = "EXDEV", [19] = "ENODEV", [20] = "ENOTDIR", [21] = "EISDIR", [22] = "EINVAL",
        [23] = "ENFILE", [24] = "EMFILE", [25] = "ENOTTY", [28] = "ENOSPC", [30] = "EROFS", [34] = "ERANGE",
        [36] = "ENAMETOOLONG", [38] = "ENOSYS", [39] = "ENOTEMPTY", [40] = "ELOOP", [42] = "ENOMSG",
        [61] = "ENODATA", [71] = "EPROTO", [75] = "EOVERFLOW", [88] = "ENOTSOCK", [90] = "EMSGSIZE",
        [92] = "ENOPROTOOPT", [93] = "EPROTONOSUPPORT", [95] = "EOPNOTSUPP", [97] = "EAFNOSUPPORT",
        [98] = "EADDRINUSE", [99] = "EADDRNOTAVAIL", [100] = "ENETDOWN", [101] = "ENETUNREACH",
        [105] = "ENOBUFS", [107] = "ENOTCONN", [110] = "ETIMEDOUT", [111] = "ECONNREFUSED",
        [113] = "EHOSTUNREACH", [114] = "EALREADY", [115] = "EINPROGRESS",
    }.ToFrozenDictionary();

    internal static string Name(int errno) => Names.TryGetValue(errno, out var name) ? name : "E" + errno.ToString(System.Globalization.CultureInfo.InvariantCulture);

    internal static string Describe(int errno) => Marshal.GetPInvokeErrorMessage(errno);
}
