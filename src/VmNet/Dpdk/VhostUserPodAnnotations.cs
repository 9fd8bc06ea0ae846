namespace VmNet.Dpdk;

/// <summary>
/// What the node daemon reports on a pod about its vhost-user NICs. "LSP up" is not "NIC connected" for vhost-user
/// (OVN binds the port before the VM opens its socket); the OVS Interface link state is, and it is reported here.
/// </summary>
public static class VhostUserPodAnnotations
{
    public const string LinkPrefix = "vmnet.io/vhost-user-link.";

    /// <summary><c>vmnet.io/vhost-user-link.&lt;ifName&gt;</c>: <c>up</c> while the VM side has the device started, else <c>down</c>.</summary>
    public static string LinkKey(string ifName)
    {
        ArgumentException.ThrowIfNullOrEmpty(ifName);
        return LinkPrefix + ifName;
    }
}
