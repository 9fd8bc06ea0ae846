using System.Net;
using VmNet.Daemon.Node;
using static VmNet.Daemon.Tests.Node.NodeTestObjects;

namespace VmNet.Daemon.Tests.Node;

public sealed class HostRoutePlanTests
{
    [Fact]
    public void ValidatedDefaultVpcOverlaySubnetsAreRoutedViaTheJoinGateway()
    {
        var subnets = new[]
        {
            Subnet("ovn-default", "10.16.0.0/16"),
            Subnet("join", "100.64.0.0/16"),
            Subnet("explicit-vpc", "10.17.0.5/24", vpc: "ovn-cluster"),
            Subnet("dual", "10.18.0.0/24,fd00:18::/64"),
            Subnet("tenant", "10.19.0.0/24", vpc: "tenant"),
            Subnet("underlay", "10.20.0.0/24", vlan: "vlan10"),
            Subnet("macvlan", "10.21.0.0/24", provider: "net1.default"),
            Subnet("not-validated", "10.22.0.0/24", validated: false),
            Subnet("holds-node", "172.18.0.0/16"),
        };

        var routes = HostRoutePlan.SubnetRoutes(Join, subnets, [IPAddress.Parse("172.18.0.2")], "ovn0", "ovn-cluster");

        Assert.Equal(
            ["10.16.0.0/16 via 100.64.0.1 dev ovn0", "10.17.0.0/24 via 100.64.0.1 dev ovn0", "10.18.0.0/24 via 100.64.0.1 dev ovn0"],
            routes.Select(r => r.ToString()).ToArray());
    }

    [Fact]
    public void TheJoinCidrIsOnLink()
    {
        var route = Assert.Single(HostRoutePlan.JoinRoutes(Join, "ovn0"));
        Assert.Equal("100.64.0.0/16 dev ovn0", route.ToString());
        Assert.Null(route.Gateway);
    }

    [Fact]
    public void DeletingSubnetsAndMalformedCidrsAreNotRouted()
    {
        var deleting = Subnet("going", "10.30.0.0/24");
        deleting.Metadata!.DeletionTimestamp = DateTimeOffset.UtcNow;
        var malformed = Subnet("bad", "10.31.0/24");
        Assert.Empty(HostRoutePlan.SubnetRoutes(Join, [deleting, malformed], [], "ovn0", "ovn-cluster"));
    }
}
