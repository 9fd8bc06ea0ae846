using System.Runtime.InteropServices;

namespace VmNet.Cni;

/// <summary>Renders a socket errno the way an operator reads it: "ENOENT (no such socket file)".</summary>
internal static class Errno
{
    public const int ENOENT = 2;
    public const int EINTR = 4;
    public const int EAGAIN = 11;
    public const int EACCES = 13;
    public const int EPIPE = 32;
    public const int ENAMETOOLONG = 36;
    public const int ENOTSOCK = 88;
    public const int EPROTOTYPE = 91;
    public const int ECONNRESET = 104;
    public const int ETIMEDOUT = 110;
    public const int ECONNREFUSED = 111;

    public static string Describe(int errno) => errno switch
    {
        ECONNREFUSED => "ECONNREFUSED (connection refused: nothing listens on the socket)",
        ENOENT => "ENOENT (no such socket file)",
        EACCES => "EACCES (permission denied)",
        ETIMEDOUT => "ETIMEDOUT (connection timed out)",
        ECONNRESET => "ECONNRESET (connection reset by peer)",
        EPIPE => "EPIPE (broken pipe)",
        EAGAIN => "EAGAIN (resource temporarily unavailable)",
        ENOTSOCK => "ENOTSOCK (not a socket)",
        EPROTOTYPE => "EPROTOTYPE (wrong socket type)",
        ENAMETOOLONG => "ENAMETOOLONG (socket path longer than 107 bytes)",
        _ => $"errno {errno} ({Marshal.GetPInvokeErrorMessage(errno)})",
    };
}
