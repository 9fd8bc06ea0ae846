namespace VmNet.Addressing;

/// <summary>
/// Kube-OVN's pod annotation keys (facts §2.2, §2.3): <c>&lt;provider&gt;.kubernetes.io/&lt;name&gt;</c>, so the
/// primary NIC (provider <c>ovn</c>) uses <c>ovn.kubernetes.io/&lt;name&gt;</c>.
/// </summary>
public static class AnnotationKeys
{
    public const string DefaultProvider = "ovn";

    public const string IpAddress = "ip_address";
    public const string MacAddress = "mac_address";
    public const string Cidr = "cidr";
    public const string Gateway = "gateway";
    public const string LogicalSwitch = "logical_switch";
    public const string PodNicType = "pod_nic_type";
    public const string Allocated = "allocated";
    public const string Routed = "routed";
    public const string LogicalRouter = "logical_router";
    public const string VirtualMachine = "virtualmachine";
    public const string IpPool = "ip_pool";
    public const string PortSecurity = "port_security";

    /// <summary>Set by KubeVirt on a live-migration target launcher pod (facts §2.3).</summary>
    public const string MigrationJobName = "kubevirt.io/migrationJobName";

    /// <summary>Default <c>--pod-nic-type</c>.</summary>
    public const string DefaultPodNicType = "veth-pair";

    /// <summary>The full key for <paramref name="name"/> on <paramref name="provider"/>'s network.</summary>
    public static string For(string name, string provider = DefaultProvider) => $"{provider}.kubernetes.io/{name}";
}
