using VmNet.Controller.Hosting;

namespace VmNet.Controller.Tests.Nodes;

/// <summary>The flags the node chassis clean-up and the default VPC name come from, named as kube-ovn-controller's.</summary>
public sealed class NodeChassisOptionsTests
{
    private static readonly Func<string, string?> NoEnvironment = _ => null;

    [Fact]
    public void SouthboundAddressIsKubeOvnsFlagAndEmptyByDefault()
    {
        Assert.Null(ControllerOptionsParser.Parse([], NoEnvironment).SouthboundAddress);
        Assert.Null(ControllerOptionsParser.Parse(["--ovn-sb-addr="], NoEnvironment).SouthboundAddress);
        var options = ControllerOptionsParser.Parse(["--ovn-sb-addr", "tcp:10.0.0.1:6642,tcp:10.0.0.2:6642"], NoEnvironment);
        Assert.Equal("tcp:10.0.0.1:6642,tcp:10.0.0.2:6642", options.SouthboundAddress);
        Assert.Contains("sb=tcp:10.0.0.1:6642", options.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ClusterRouterIsKubeOvnsFlagWithItsDefault()
    {
        Assert.Equal("ovn-cluster", ControllerOptionsParser.Parse([], NoEnvironment).ClusterRouter);
        Assert.Equal("main-vpc", ControllerOptionsParser.Parse(["--cluster-router=main-vpc"], NoEnvironment).ClusterRouter);
        var error = Assert.Throws<ControllerOptionsException>(() => ControllerOptionsParser.Parse(["--cluster-router="], NoEnvironment));
        Assert.Equal("--cluster-router", error.Flag);
    }
}
