namespace VmNet.Cni;

/// <summary>A validated CNI call: what to send to the daemon, where, how long to wait, how to answer.</summary>
/// <param name="FallbackSocketPath">Tried when <paramref name="SocketPath"/> does not exist (Kube-OVN's socket path in a NAD).</param>
public sealed record CniInvocation(
    CniCommand Command,
    string CniVersion,
    string SocketPath,
    TimeSpan Timeout,
    DaemonRequest Request,
    CniResult? PrevResult,
    string? FallbackSocketPath = null);
