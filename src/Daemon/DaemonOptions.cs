using VmNet.Cni;

namespace VmNet.Daemon;

/// <summary>Everything the node daemon is told at start (command line, see <see cref="DaemonOptionsParser"/>).</summary>
public sealed record DaemonOptions
{
    /// <summary>Kubernetes node this daemon serves; also the default OVS system-id (chassis name).</summary>
    public required string NodeName { get; init; }

    /// <summary>Kubeconfig path; null = in-cluster service account.</summary>
    public string? Kubeconfig { get; init; }

    /// <summary>The node's Open_vSwitch database, e.g. <c>unix:/var/run/openvswitch/db.sock</c>.</summary>
    public string OvsDatabase { get; init; } = "unix:/var/run/openvswitch/db.sock";

    /// <summary>OVN Southbound remote written to <c>external_ids:ovn-remote</c> (what ovn-controller uses).</summary>
    public string? SouthboundRemote { get; init; }

    /// <summary>
    /// Where the daemon itself reads the Southbound DB for STATUS (chassis registered); defaults to
    /// <see cref="SouthboundRemote"/>. Differs when ovn-controller reaches SB by a path only valid in its netns.
    /// </summary>
    public string? SouthboundStatusRemote { get; init; }

    public string EncapType { get; init; } = "geneve";

    public string? EncapIp { get; init; }

    /// <summary>OVS system-id; default: the existing one in the database, else the node name.</summary>
    public string? SystemId { get; init; }

    public string SocketPath { get; init; } = DaemonProtocol.DefaultSocketPath;

    /// <summary>
    /// Further unix sockets serving the same CNI API, e.g. Kube-OVN's <see cref="DaemonProtocol.KubeOvnSocketPath"/>
    /// so NADs written for Kube-OVN (<c>server_socket</c>) work unchanged. Same mode (0600) and lifetime as <see cref="SocketPath"/>.
    /// </summary>
    public IReadOnlyList<string> AdditionalSocketPaths { get; init; } = [];

    /// <summary>Every socket the daemon listens on: <see cref="SocketPath"/> first.</summary>
    public IReadOnlyList<string> AllSocketPaths => [SocketPath, .. AdditionalSocketPaths.Where(p => p != SocketPath).Distinct(StringComparer.Ordinal)];

    /// <summary>MTU of the tunnel NIC; the pod MTU is this minus the encapsulation overhead.</summary>
    public int NodeMtu { get; init; } = 1500;

    /// <summary>Explicit pod MTU, overriding the computed one.</summary>
    public int? PodMtu { get; init; }

    /// <summary>
    /// Network namespace (path or name under /var/run/netns) holding the host side: the veth host ends,
    /// ovn0 and ovs-vswitchd's view of interfaces. Null = the daemon's own namespace (a real node).
    /// Used when the daemon serves a simulated node of the sandbox rig.
    /// </summary>
    public string? HostNetns { get; init; }

    /// <summary>
    /// Named netns where pre-plugged ports' holding ends live (README "Pre-plugging"); created at first use when
    /// missing. Default <c>vmnet-holding</c>, or <c>&lt;host-netns&gt;-hold</c> for a simulated node.
    /// </summary>
    public string? HoldingNetns { get; init; }

    public string IntegrationBridge { get; init; } = "br-int";

    /// <summary>
    /// The default VPC (<c>--cluster-router</c>, as on Kube-OVN's controller and daemon; default ovn-cluster): its
    /// subnets, and those without <c>spec.vpc</c>, get a host route through ovn0. Must match the controller's.
    /// </summary>
    public string ClusterRouter { get; init; } = VmNet.Daemon.Node.HostRoutePlan.DefaultClusterRouter;

    /// <summary>OVS datapath type of br-int: "system" (kernel) or "netdev" (userspace).</summary>
    public string DatapathType { get; init; } = "system";

    /// <summary>OVS hardware offload (Kube-OVN's HW_OFFLOAD): <c>other_config:hw-offload=true</c>, and a switchdev PF is required.</summary>
    public bool HwOffload { get; init; }

    /// <summary>Where sysfs is mounted; SR-IOV VFs, PFs and representors are found under it.</summary>
    public string SysfsRoot { get; init; } = "/sys";

    /// <summary>kubelet's pods directory: vhost-user sockets live in pods' emptyDir volumes below it (Dpdk/README.md).</summary>
    public string KubeletPodsDirectory { get; init; } = "/var/lib/kubelet/pods";

    /// <summary>Short directory OVS opens vhost-user sockets through (sun_path is 108 bytes).</summary>
    public string VhostUserShareRoot { get; init; } = VmNet.Daemon.Dpdk.VhostUserSocket.DefaultShareRoot;

    /// <summary>PMD load-based sleep bound on OVS-DPDK nodes (other_config:pmd-maxsleep); OVS's 0 busy-polls a core.</summary>
    public int PmdMaxSleepMicros { get; init; } = new VmNet.Dpdk.DpdkSettings().PmdMaxSleepMicros;

    /// <summary>
    /// Plug the OVS port of each allocated pod on this node before its ADD, so the ADD finds ovn-controller's
    /// flows already installed (Daemon/README.md "Pre-plugging"). Off: every ADD plugs its port itself.
    /// </summary>
    public bool PrePlug { get; init; } = true;

    /// <summary>
    /// How long after its pod's creation a pre-plugged port may wait for its ADD; then it is removed and the pod,
    /// if it ever gets an ADD, is plugged at ADD time (Daemon/README.md "Pre-plugging").
    /// </summary>
    public TimeSpan PrePlugMaxAge { get; init; } = TimeSpan.FromMinutes(10);

    public TimeSpan AnnotationTimeout { get; init; } = TimeSpan.FromSeconds(20);

    public TimeSpan OvnInstalledTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan GatewayCheckTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Tunnel overhead per facts §10 (Kube-OVN: geneve 100, vxlan 50, stt 72; +20 for an IPv6 underlay).</summary>
    public int EffectivePodMtu => PodMtu ?? Mtu.PodMtu(NodeMtu, EncapType, EncapIp);
}
