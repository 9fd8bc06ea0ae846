using VmNet.Controller.Nodes;
using VmNet.Kube.Models;

namespace VmNet.Controller.Tests.Nodes;

public sealed class NodeFactsTests
{
    [Fact]
    public void InternalIpsTakeTheFirstOfEachFamilyAndIgnoreOtherTypes()
    {
        var node = new V1Node
        {
            Status = new V1NodeStatus
            {
                Addresses =
                [
                    new V1NodeAddress { Type = "ExternalIP", Address = "203.0.113.5" },
                    new V1NodeAddress { Type = "InternalIP", Address = "172.18.0.2" },
                    new V1NodeAddress { Type = "InternalIP", Address = "172.18.0.9" },
                    new V1NodeAddress { Type = "InternalIP", Address = "fd00::2" },
                    new V1NodeAddress { Type = "InternalIP", Address = "not-an-ip" },
                    new V1NodeAddress { Type = "Hostname", Address = "node1" },
                ],
            },
        };

        Assert.Equal(["172.18.0.2", "fd00::2"], NodeFacts.InternalIps(node).Select(ip => ip.ToString()).ToArray());
        Assert.Empty(NodeFacts.InternalIps(new V1Node()));
    }

    [Fact]
    public void AnnotatedJoinAddressIsReadOnlyForTheJoinSubnet()
    {
        var node = new V1Node
        {
            Metadata = new V1ObjectMeta
            {
                Annotations = new Dictionary<string, string>
                {
                    ["ovn.kubernetes.io/logical_switch"] = "join",
                    ["ovn.kubernetes.io/ip_address"] = "100.64.0.7",
                    ["ovn.kubernetes.io/mac_address"] = "0a:00:00:00:00:07",
                },
            },
        };

        var (ips, mac) = NodeFacts.AnnotatedJoinAddress(node, "join")!.Value;
        Assert.Equal(["100.64.0.7"], ips);
        Assert.Equal("0a:00:00:00:00:07", mac);
        Assert.Null(NodeFacts.AnnotatedJoinAddress(node, "other-join"));
        Assert.Null(NodeFacts.AnnotatedJoinAddress(new V1Node { Metadata = new V1ObjectMeta() }, "join"));
    }

    [Fact]
    public void DiffListsOnlyChangedOrMissingKeys()
    {
        var desired = new Dictionary<string, string> { ["a"] = "1", ["b"] = "2", ["c"] = "3" };
        var current = new Dictionary<string, string> { ["a"] = "1", ["b"] = "x", ["other"] = "kept" };
        Assert.Equal(new Dictionary<string, string> { ["b"] = "2", ["c"] = "3" }, NodeFacts.Diff(desired, current));
        Assert.Empty(NodeFacts.Diff(desired, desired));
        Assert.Equal("node-worker-1", NodeFacts.PortName("worker-1"));
        Assert.Equal("ovn.default.worker.1", DistributedGatewayReconciler.PortGroupName("ovn-default", "worker-1"));
    }
}
