namespace VmNet.Cni;

/// <summary>
/// CNI error codes. 1-99 are reserved by the CNI spec (the well-known ones are listed);
/// 100 and above are VmNet's own. 100-109 are raised by the CNI binary itself, 110-149 by the
/// daemon (sent in its error body and passed through unchanged). See PROTOCOL.md.
/// </summary>
public static class CniErrorCodes
{
    // Spec-defined codes.
    public const int IncompatibleVersion = 1;
    public const int UnsupportedField = 2;
    public const int UnknownContainer = 3;
    public const int InvalidEnvironmentVariables = 4;
    public const int IoFailure = 5;
    public const int DecodingFailure = 6;
    public const int InvalidNetworkConfig = 7;
    public const int TryAgainLater = 11;
    public const int PluginNotAvailable = 50;
    public const int LimitedConnectivity = 51;

    // VmNet CNI binary codes.

    /// <summary>The daemon answered, but not in the protocol (bad HTTP, unreadable or incomplete body).</summary>
    public const int DaemonProtocolError = 100;

    /// <summary>The daemon accepted the connection but did not answer within the timeout.</summary>
    public const int DaemonTimeout = 101;

    /// <summary>A bug in the binary itself (an exception nobody expected).</summary>
    public const int InternalError = 102;

    // VmNet daemon codes (the daemon puts them in its error body).

    /// <summary>The provider is not bound to any subnet (Kube-OVN: "provider X is not bound to any subnet").</summary>
    public const int ProviderNotBound = 110;

    /// <summary>The controller has not (yet) allocated an address for the pod/interface.</summary>
    public const int AddressNotAllocated = 111;

    /// <summary>The pod is unknown to the daemon (not scheduled to this node, or deleted).</summary>
    public const int PodNotFound = 112;

    /// <summary>Setting up the interface (veth, VF, vhost-user, OVS port, netns) failed.</summary>
    public const int InterfaceSetupFailed = 113;

    /// <summary>The SR-IOV device (deviceID) or the DPDK socket volume was not found or is unusable.</summary>
    public const int DeviceUnavailable = 114;

    /// <summary>The gateway did not answer the connectivity check after the interface was set up.</summary>
    public const int GatewayCheckFailed = 115;

    /// <summary>An unexpected failure inside the daemon.</summary>
    public const int DaemonInternalError = 149;
}
