namespace VmNet.Cni;

/// <summary>A validated CNI call: what to send to the daemon, where, how long to wait, how to answer.</summary>
public sealed record CniInvocation(
    CniCommand Command,
    string CniVersion,
    string SocketPath,
    TimeSpan Timeout,
    DaemonRequest Request,
    CniResult? PrevResult);
