using System.Net;
using VmNet.Cni;
using VmNet.Daemon.Netlink;

namespace VmNet.Daemon.Pods;

/// <summary>What the controller allocated for one pod interface, read from the pod's annotations.</summary>
public sealed record PodNetwork
{
    public required string Provider { get; init; }

    /// <summary>Interface addresses with the subnet prefix (empty for a MAC-only subnet).</summary>
    public required IReadOnlyList<InterfaceAddress> Addresses { get; init; }

    public required string Mac { get; init; }

    public required IReadOnlyList<IPAddress> Gateways { get; init; }

    public required string LogicalSwitch { get; init; }

    /// <summary>VM name when the pod is a KubeVirt launcher with keep-vm-ip: it names the logical port.</summary>
    public string? VirtualMachine { get; init; }

    /// <summary>Annotation <c>default_route</c>; null = unset (then only eth0 gets the default route).</summary>
    public bool? DefaultRoute { get; init; }

    public IReadOnlyList<NetConfRoute> Routes { get; init; } = [];

    /// <summary>A live-migration target (<c>kubevirt.io/migrationJobName</c>) or activation-strategy port: no gateway check, no DAD.</summary>
    public bool MigrationTarget { get; init; }

    public PodQos Qos { get; init; } = PodQos.None;
}
