namespace VmNet.Daemon.Dpdk;

/// <summary>A vhost-user NIC request that cannot be served; <see cref="Field"/> names the netconf key or node property at fault.</summary>
public sealed class VhostUserException(string field, string message) : Exception(message)
{
    public string Field { get; } = field;

    /// <summary>True when retrying cannot help (bad netconf or pod spec) rather than a node state that may change.</summary>
    public bool IsBadRequest { get; init; } = true;

    /// <summary>The CNI error code (PROTOCOL.md): bad netconf/pod spec is 7, a node that cannot serve the NIC is 113.</summary>
    public int CniCode => IsBadRequest ? VmNet.Cni.CniErrorCodes.InvalidNetworkConfig : VmNet.Cni.CniErrorCodes.InterfaceSetupFailed;
}
