namespace VmNet.Dpdk;

/// <summary>
/// What the node daemon reports on its Node about OVS-DPDK, read by the controller (e.g. to refuse scheduling a
/// vhost-user NIC to a node without it) and by operators.
/// </summary>
public static class DpdkNodeAnnotations
{
    /// <summary>"true" when OVS runs the DPDK build with EAL initialised and can create dpdkvhostuserclient ports; else "false".</summary>
    public const string VhostUser = "vmnet.io/ovs-dpdk-vhostuser";

    /// <summary>The DPDK version OVS reports (Open_vSwitch dpdk_version), e.g. "DPDK 22.11.11".</summary>
    public const string Version = "vmnet.io/ovs-dpdk-version";

    /// <summary>Kube-OVN's node label value for userspace datapath nodes (label key ovn.kubernetes.io/ovs_dp_type).</summary>
    public const string DatapathTypeLabel = "ovn.kubernetes.io/ovs_dp_type";

    public const string DatapathTypeUserspace = "userspace";
}
