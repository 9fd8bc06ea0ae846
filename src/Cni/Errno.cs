using System.Net.Sockets;

namespace VmNet.Cni;

/// <summary>
/// Renders a socket failure the way an operator reads it: "ENOENT (no such socket file)".
/// .NET folds errno into <see cref="SocketError"/> and, for a unix socket whose file is missing
/// (ENOENT), reports AddressNotAvailable with the misleading text "Cannot assign requested
/// address", so the errno names and texts here are ours.
/// </summary>
internal static class Errno
{
    public static string Describe(SocketException ex)
    {
        ArgumentNullException.ThrowIfNull(ex);
        return ex.SocketErrorCode switch
        {
            SocketError.ConnectionRefused => "ECONNREFUSED (connection refused: nothing listens on the socket)",
            SocketError.AddressNotAvailable => "ENOENT (no such socket file)",
            SocketError.AccessDenied => "EACCES (permission denied)",
            SocketError.TimedOut => "ETIMEDOUT (connection timed out)",
            SocketError.ConnectionReset => "ECONNRESET (connection reset by peer)",
            SocketError.Shutdown => "EPIPE (broken pipe)",
            SocketError.TryAgain or SocketError.WouldBlock => "EAGAIN (resource temporarily unavailable)",
            SocketError.NotSocket => "ENOTSOCK (not a socket)",
            SocketError.ProtocolType => "EPROTOTYPE (wrong socket type)",
            _ => $"{ex.SocketErrorCode} ({ex.Message})",
        };
    }
}
