using VmNet.Dpdk;
using VmNet.Ovsdb.Vswitch;

namespace VmNet.Daemon.Dpdk;

/// <summary>What this node's ovs-vswitchd can do for vhost-user NICs, read from its Open_vSwitch row.</summary>
public sealed record DpdkCapability(bool DpdkInitialized, bool NetdevDatapath, bool VhostUserClientPorts, string? DpdkVersion)
{
    public const string VhostUserClientType = "dpdkvhostuserclient";

    public static readonly DpdkCapability None = new(false, false, false, null);

    /// <summary>All three are needed: EAL up, the userspace datapath, and the vhost-user client port type.</summary>
    public bool CanCreateVhostUserPorts => DpdkInitialized && NetdevDatapath && VhostUserClientPorts;

    public static DpdkCapability FromRow(OpenVSwitch row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return new(
            row.DpdkInitialized,
            row.DatapathTypes.Contains("netdev", StringComparer.Ordinal),
            row.IfaceTypes.Contains(VhostUserClientType, StringComparer.Ordinal),
            string.IsNullOrEmpty(row.DpdkVersion) ? null : row.DpdkVersion);
    }

    /// <summary>Why vhost-user ports cannot be created here (for the CNI error), or null.</summary>
    public string? MissingReason() =>
        !DpdkInitialized ? "OVS on this node is not the DPDK build or DPDK is not initialised (Open_vSwitch dpdk_initialized=false)"
        : !NetdevDatapath ? "OVS on this node has no userspace (netdev) datapath"
        : !VhostUserClientPorts ? $"OVS on this node does not support interface type {VhostUserClientType}"
        : null;

    /// <summary>The node annotations that report this capability (<see cref="DpdkNodeAnnotations"/>).</summary>
    public IReadOnlyDictionary<string, string?> ToAnnotations() => new Dictionary<string, string?>(StringComparer.Ordinal)
    {
        [DpdkNodeAnnotations.VhostUser] = CanCreateVhostUserPorts ? "true" : "false",
        [DpdkNodeAnnotations.Version] = CanCreateVhostUserPorts ? DpdkVersion : null,
    };
}
