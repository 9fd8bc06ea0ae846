using VmNet.Daemon.Node;
using VmNet.Kube.Models;

namespace VmNet.Daemon.Tests.Node;

/// <summary>The node and subnet objects the host route tests plan from (plan-only and against the kernel alike).</summary>
internal static class NodeTestObjects
{
    /// <summary>node1's join port in the default join subnet 100.64.0.0/16 (gateway 100.64.0.1).</summary>
    public static readonly NodeAnnotations Join = NodeAnnotations.TryParse(
        "node1",
        new Dictionary<string, string>
        {
            ["ovn.kubernetes.io/ip_address"] = "100.64.0.2",
            ["ovn.kubernetes.io/mac_address"] = "0a:00:00:00:00:02",
            ["ovn.kubernetes.io/cidr"] = "100.64.0.0/16",
            ["ovn.kubernetes.io/gateway"] = "100.64.0.1",
        },
        out _)!;

    public static V1Subnet Subnet(string name, string cidr, string? vpc = null, string? vlan = null, string? provider = null, bool validated = true) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1SubnetSpec { CidrBlock = cidr, Vpc = vpc, Vlan = vlan, Provider = provider },
        Status = new V1SubnetStatus
        {
            Conditions = [new V1KubeOvnCondition { Type = "Validated", Status = validated ? "True" : "False" }],
        },
    };
}
