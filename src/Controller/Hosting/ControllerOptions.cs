using System.Globalization;

namespace VmNet.Controller.Hosting;

/// <summary>
/// The controller's settings, named and defaulted like kube-ovn-controller's flags (facts §1) so a
/// Kube-OVN deployment's arguments work unchanged. Parse them with <see cref="ControllerOptionsParser"/>.
/// </summary>
public sealed record ControllerOptions
{
    /// <summary>Path of a kubeconfig file (<c>--kubeconfig</c>); null uses the in-cluster service account.</summary>
    public string? Kubeconfig { get; init; }

    /// <summary>OVN Northbound remotes (<c>--ovn-nb-addr</c>), e.g. <c>unix:/run/ovn/ovnnb_db.sock</c> or <c>tcp:a:6641,tcp:b:6641</c>.</summary>
    public string NorthboundAddress { get; init; } = "unix:/run/ovn/ovnnb_db.sock";

    /// <summary>
    /// OVN Southbound remotes (<c>--ovn-sb-addr</c>, empty by default like Kube-OVN's). Needed to delete a removed
    /// Node's Chassis (and its Encaps); empty = no Southbound connection and stale chassis stay (logged at start).
    /// </summary>
    public string? SouthboundAddress { get; init; }

    /// <summary>Default VPC and its Logical_Router (<c>--cluster-router</c>).</summary>
    public string ClusterRouter { get; init; } = "ovn-cluster";

    /// <summary>Default subnet name (<c>--default-ls</c>).</summary>
    public string DefaultSubnet { get; init; } = "ovn-default";

    /// <summary>Default subnet CIDR block (<c>--default-cidr</c>), <c>v4</c> or <c>v4,v6</c>.</summary>
    public string DefaultCidr { get; init; } = "10.16.0.0/16";

    /// <summary>Default subnet gateway (<c>--default-gateway</c>); empty = first usable address of each family.</summary>
    public string DefaultGateway { get; init; } = "";

    /// <summary>Default subnet excludeIps (<c>--default-exclude-ips</c>), comma separated.</summary>
    public string DefaultExcludeIps { get; init; } = "";

    /// <summary>Join (node) subnet name (<c>--node-switch</c>).</summary>
    public string NodeSwitch { get; init; } = "join";

    /// <summary>Join subnet CIDR (<c>--node-switch-cidr</c>).</summary>
    public string NodeSwitchCidr { get; init; } = "100.64.0.0/16";

    /// <summary>Join subnet gateway (<c>--node-switch-gateway</c>); empty = first usable address.</summary>
    public string NodeSwitchGateway { get; init; } = "";

    /// <summary>Service CIDR (<c>--service-cluster-ip-range</c>).</summary>
    public string ServiceClusterIpRange { get; init; } = "10.96.0.0/12";

    /// <summary>Overlay encapsulation or underlay mode (<c>--network-type</c>): geneve, vxlan, stt or vlan.</summary>
    public string NetworkType { get; init; } = "geneve";

    /// <summary>A VM keeps its IP, MAC and LSP across launcher pod restarts (<c>--keep-vm-ip</c>).</summary>
    public bool KeepVmIp { get; init; } = true;

    /// <summary>Live migration optimisation through VMIM handlers (<c>--enable-live-migration-optimize</c>).</summary>
    public bool EnableLiveMigrationOptimize { get; init; } = true;

    /// <summary>Default of Subnet <c>spec.enableLb</c> (<c>--enable-lb</c>).</summary>
    public bool EnableLb { get; init; } = true;

    /// <summary>Workers per resource queue (<c>--worker-num</c>).</summary>
    public int WorkerCount { get; init; } = 3;

    /// <summary>Seconds between garbage collections (<c>--gc-interval</c>); 0 disables the periodic run (startup GC still runs).</summary>
    public TimeSpan GcInterval { get; init; } = TimeSpan.FromSeconds(360);

    /// <summary>How often KubeVirt API discovery is polled until its resources appear.</summary>
    public TimeSpan KubeVirtDiscoveryInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Namespace holding the leader-election Lease (<c>POD_NAMESPACE</c> env, else kube-system).</summary>
    public string PodNamespace { get; init; } = "kube-system";

    /// <summary>This replica's identity for leader election and event source (<c>POD_NAME</c> env, else host name).</summary>
    public string PodName { get; init; } = Environment.MachineName;

    /// <summary>Lease name for leader election.</summary>
    public string LeaseName { get; init; } = "vmnet-controller";

    /// <summary>Run without leader election (single replica, tests).</summary>
    public bool DisableLeaderElection { get; init; }

    /// <summary>Leader-election lease duration.</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Minimum delay between two status writes of one subnet when only its usage changed.</summary>
    public TimeSpan SubnetStatusInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Serilog minimum level name (<c>--log-level</c>): Verbose, Debug, Information, Warning, Error.</summary>
    public string LogLevel { get; init; } = "Information";

    /// <summary>Subnet provider of the default (primary) network.</summary>
    public const string OvnProvider = "ovn";

    /// <summary>Finalizer put on Subnets and Vpcs, the one Kube-OVN uses.</summary>
    public const string Finalizer = "kubeovn.io/kube-ovn-controller";

    /// <summary>Finalizer name of older Kube-OVN releases, migrated to <see cref="Finalizer"/>.</summary>
    public const string LegacyFinalizer = "kube-ovn-controller";

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"nb={NorthboundAddress} sb={SouthboundAddress ?? "(none)"} router={ClusterRouter} default={DefaultSubnet}({DefaultCidr}) join={NodeSwitch}({NodeSwitchCidr}) network-type={NetworkType} keep-vm-ip={KeepVmIp} workers={WorkerCount} gc={GcInterval.TotalSeconds}s");
}
