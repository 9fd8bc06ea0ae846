using VmNet.Controller.Hosting;

namespace VmNet.Controller.Tests.Hosting;

public sealed class ControllerOptionsParserTests
{
    private static readonly Func<string, string?> NoEnvironment = _ => null;

    [Fact]
    public void DefaultsAreKubeOvns()
    {
        var options = ControllerOptionsParser.Parse([], NoEnvironment);
        Assert.Equal("ovn-cluster", options.ClusterRouter);
        Assert.Equal("ovn-default", options.DefaultSubnet);
        Assert.Equal("10.16.0.0/16", options.DefaultCidr);
        Assert.Equal("join", options.NodeSwitch);
        Assert.Equal("100.64.0.0/16", options.NodeSwitchCidr);
        Assert.True(options.KeepVmIp);
        Assert.Equal("geneve", options.NetworkType);
        Assert.Equal(3, options.WorkerCount);
        Assert.Equal(TimeSpan.FromSeconds(360), options.GcInterval);
        Assert.Equal("vmnet-controller", options.LeaseName);
        Assert.Equal("kube-system", options.PodNamespace);
    }

    [Fact]
    public void ParsesBothFlagFormsBareBooleansAndEnvironment()
    {
        var env = new Dictionary<string, string?> { ["POD_NAMESPACE"] = "vmnet", ["POD_NAME"] = "ctl-7" };
        var options = ControllerOptionsParser.Parse(
            ["--kubeconfig", "/k", "--ovn-nb-addr=tcp:1.2.3.4:6641", "--keep-vm-ip=false", "--worker-num", "5", "--network-type=vxlan", "--default-cidr=10.1.0.0/16,fd00::/112", "--disable-leader-election", "--node-switch=j2"],
            k => env.GetValueOrDefault(k));
        Assert.Equal("/k", options.Kubeconfig);
        Assert.Equal("tcp:1.2.3.4:6641", options.NorthboundAddress);
        Assert.False(options.KeepVmIp);
        Assert.Equal(5, options.WorkerCount);
        Assert.Equal("vxlan", options.NetworkType);
        Assert.Equal("10.1.0.0/16,fd00::/112", options.DefaultCidr);
        Assert.True(options.DisableLeaderElection);
        Assert.Equal("j2", options.NodeSwitch);
        Assert.Equal("vmnet", options.PodNamespace);
        Assert.Equal("ctl-7", options.PodName);
    }

    [Theory]
    [InlineData("--worker-num=0", "--worker-num", "0")]
    [InlineData("--keep-vm-ip=maybe", "--keep-vm-ip", "maybe")]
    [InlineData("--network-type=ipip", "--network-type", "ipip")]
    [InlineData("--no-such-flag=1", "--no-such-flag", "1")]
    [InlineData("--default-ls=", "--default-ls", "")]
    public void BadFlagsNameFlagAndValue(string arg, string flag, string value)
    {
        var ex = Assert.Throws<ControllerOptionsException>(() => ControllerOptionsParser.Parse([arg], NoEnvironment));
        Assert.Equal(flag, ex.Flag);
        Assert.Equal(value, ex.Value);
        Assert.StartsWith($"{flag}: \"{value}\"", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingValueIsReported()
    {
        var ex = Assert.Throws<ControllerOptionsException>(() => ControllerOptionsParser.Parse(["--ovn-nb-addr"], NoEnvironment));
        Assert.Equal("--ovn-nb-addr", ex.Flag);
    }
}
