namespace VmNet.Daemon.Pods;

/// <summary>
/// Host-side veth name from the container ID, Kube-OVN style (facts §8.4 step 6): <c>&lt;cid[0:12]&gt;_h</c>
/// for eth0, <c>&lt;cid[0:12-len(if)]&gt;_&lt;if&gt;_h</c> otherwise; it is also the OVS port name.
/// </summary>
public static class VethNames
{
    public const int MaxInterfaceName = 15;

    public static string HostSide(string containerId, string ifName)
    {
        ArgumentException.ThrowIfNullOrEmpty(containerId);
        ArgumentException.ThrowIfNullOrEmpty(ifName);
        if (ifName == "eth0")
        {
            return Prefix(containerId, 12) + "_h";
        }

        // The interface part keeps different NICs of one pod apart; cap it so the name fits in 15 bytes.
        var suffix = ifName.Length > 6 ? ifName[..6] : ifName;
        var name = Prefix(containerId, 12 - suffix.Length) + "_" + suffix + "_h";
        return name.Length <= MaxInterfaceName ? name : name[..MaxInterfaceName];
    }

    private static string Prefix(string id, int length) => id.Length <= length ? id : id[..length];
}
