namespace VmNet.Cni;

/// <summary>
/// Constants of the CNI binary ↔ daemon protocol (HTTP/1.1 over a unix socket, JSON bodies).
/// The full description, and why HTTP, is in PROTOCOL.md next to this file.
/// </summary>
public static class DaemonProtocol
{
    public const string DefaultSocketPath = "/run/vmnet/daemon.sock";

    /// <summary>
    /// Kube-OVN's daemon socket, written into existing NetworkAttachmentDefinitions. When a netconf
    /// names it and it does not exist, the binary falls back to <see cref="DefaultSocketPath"/>, so
    /// those NADs work unchanged on VmNet.
    /// </summary>
    public const string KubeOvnSocketPath = "/run/openvswitch/kube-ovn-daemon.sock";

    public const string AddPath = "/api/v1/add";
    public const string DelPath = "/api/v1/del";
    public const string CheckPath = "/api/v1/check";
    public const string StatusPath = "/api/v1/status";
    public const string GcPath = "/api/v1/gc";

    /// <summary>sockaddr_un.sun_path holds 108 bytes including the terminating NUL.</summary>
    public const int MaxSocketPathBytes = 107;

    /// <summary>Longest wait the netconf may ask for (kubelet's CRI call itself times out at 4 min).</summary>
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromMinutes(10);

    public static string PathOf(CniCommand command) => command switch
    {
        CniCommand.Add => AddPath,
        CniCommand.Del => DelPath,
        CniCommand.Check => CheckPath,
        CniCommand.Status => StatusPath,
        CniCommand.Gc => GcPath,
        _ => throw new ArgumentOutOfRangeException(nameof(command), command, "VERSION is answered by the binary itself"),
    };

    /// <summary>
    /// Default time the binary waits for the daemon. ADD covers the daemon's own waits (address
    /// allocation up to 20 s, ovn-installed up to 30 s, gateway check), so it is the longest.
    /// </summary>
    public static TimeSpan DefaultTimeout(CniCommand command) => command switch
    {
        CniCommand.Add => TimeSpan.FromSeconds(120),
        CniCommand.Del => TimeSpan.FromSeconds(60),
        CniCommand.Gc => TimeSpan.FromSeconds(60),
        CniCommand.Check => TimeSpan.FromSeconds(30),
        _ => TimeSpan.FromSeconds(5),
    };
}

/// <summary>The CNI operations (CNI_COMMAND values).</summary>
public enum CniCommand
{
    Add,
    Del,
    Check,
    Status,
    Gc,
    Version,
}
