using VmNet.Daemon.Pods;

namespace VmNet.Daemon.Ovs;

/// <summary>A pod port on br-int: OVS port/interface <see cref="Name"/> bound to logical port <see cref="IfaceId"/>.</summary>
public sealed record OvsPortSpec
{
    public required string Name { get; init; }

    public required string IfaceId { get; init; }

    /// <summary>Extra Interface external_ids (pod_name, pod_namespace, ip, vendor, ...).</summary>
    public required IReadOnlyDictionary<string, string> ExternalIds { get; init; }

    public PodQos Qos { get; init; } = PodQos.None;

    /// <summary>Kernel datapath: the pod's egress limit is OVS ingress policing. Userspace: see <see cref="PodEgressLimiter"/>.</summary>
    public bool PoliceOnOvs { get; init; } = true;
}

/// <summary>external_ids keys and values the daemon writes on OVS rows.</summary>
public static class OvsExternalIds
{
    public const string IfaceId = "iface-id";
    public const string OvnInstalled = "ovn-installed";
    public const string Vendor = "vendor";
    public const string VendorValue = "vmnet";
    public const string PodName = "pod_name";
    public const string PodNamespace = "pod_namespace";
    public const string PodNetns = "pod_netns";
    public const string Ip = "ip";
    public const string Provider = "vmnet.io/provider";
    public const string ContainerId = "vmnet.io/container-id";
    public const string IfName = "vmnet.io/if-name";
    public const string Pod = "pod";
    public const string EgressRate = "vmnet.io/egress-rate";

    /// <summary>On a port plugged before its ADD (Pods/PodPrePlugger): the pod MAC its holding veth carries; removed when an ADD adopts the port.</summary>
    public const string PrePlugged = "vmnet.io/pre-plugged";

    /// <summary>On a waiting pre-plugged port: when it is removed if no ADD took it (unix seconds, pod creation + max age).</summary>
    public const string PrePlugExpires = "vmnet.io/pre-plug-expires";
}
