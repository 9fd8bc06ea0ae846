using VmNet.Cni;
using VmNet.Daemon;

namespace VmNet.E2E.Chart;

/// <summary>The DaemonSet's command line, expanded as kubelet would, goes through vmnet-daemon's real option parser.</summary>
public sealed class ChartDaemonArgsTests
{
    [Fact]
    public async Task DefaultArgsParseToTheNodeAndTheProgramDefaults()
    {
        var options = Parse(await ChartTemplate.RenderAsync());

        var defaults = new DaemonOptions { NodeName = "node-a" };
        Assert.Equal("node-a", options.NodeName);
        Assert.Equal("192.0.2.10", options.EncapIp);
        Assert.Equal("geneve", options.EncapType);
        Assert.Equal(defaults.DatapathType, options.DatapathType);
        Assert.Equal(defaults.NodeMtu, options.NodeMtu);
        Assert.Null(options.PodMtu);
        Assert.Equal(defaults.PrePlug, options.PrePlug);
        Assert.False(options.HwOffload);
        Assert.Equal(defaults.ClusterRouter, options.ClusterRouter);
        Assert.Equal(defaults.KubeletPodsDirectory, options.KubeletPodsDirectory);
        Assert.Equal("unix:/run/openvswitch/db.sock", options.OvsDatabase);
        Assert.Null(options.SouthboundRemote);
        Assert.Equal("tcp:ovn-sb.kube-system.svc.cluster.local:6642", options.SouthboundStatusRemote);
        // The conflist the chart writes names Kube-OVN's socket; the daemon must listen there.
        Assert.Equal([DaemonProtocol.DefaultSocketPath, DaemonProtocol.KubeOvnSocketPath], options.AllSocketPaths);
    }

    [Fact]
    public async Task OverriddenArgsParseToTheValuesGiven()
    {
        var options = Parse(await ChartTemplate.RenderWithValuesAsync(ChartOverrides.Yaml));

        Assert.Equal("vxlan", options.EncapType);
        Assert.Equal("198.51.100.7", options.EncapIp);
        Assert.Equal("netdev", options.DatapathType);
        Assert.Equal(9000, options.NodeMtu);
        Assert.Equal(8900, options.PodMtu);
        Assert.False(options.PrePlug);
        Assert.True(options.HwOffload);
        Assert.Equal("vpc-main", options.ClusterRouter);
        Assert.Equal("/var/lib/k0s/kubelet/pods", options.KubeletPodsDirectory);
        Assert.Equal("unix:/var/run/openvswitch/db.sock", options.OvsDatabase);
        Assert.Equal("tcp:192.0.2.11:6642,tcp:192.0.2.12:6642", options.SouthboundRemote);
        Assert.Equal("ssl:192.0.2.11:6642,ssl:192.0.2.12:6642", options.SouthboundStatusRemote);
        Assert.Contains(DaemonProtocol.KubeOvnSocketPath, options.AllSocketPaths);
    }

    [Fact]
    public async Task EveryEncapAndDatapathTheSchemaAllowsIsAccepted()
    {
        var encaps = ValuesSchema.Enum("network", "encapType");
        var datapaths = ValuesSchema.Enum("daemon", "datapathType");
        Assert.Equal(["geneve", "vxlan"], encaps);
        Assert.Equal(["system", "netdev"], datapaths);
        for (var i = 0; i < Math.Max(encaps.Count, datapaths.Count); i++)
        {
            var encap = encaps[i % encaps.Count];
            var datapath = datapaths[i % datapaths.Count];
            var options = Parse(await ChartTemplate.RenderAsync($"network.encapType={encap}", $"daemon.datapathType={datapath}"));
            Assert.Equal((encap, datapath), (options.EncapType, options.DatapathType));
        }
    }

    private static DaemonOptions Parse(RenderedChart chart)
    {
        var container = chart.Container("DaemonSet", "daemon");
        Assert.Equal(["vmnet-daemon"], RenderedChart.Strings(container["command"]));
        var environment = new KubeletEnvironment(container);
        Assert.DoesNotContain(environment.Args, a => a.Contains("$(", StringComparison.Ordinal));
        return DaemonOptionsParser.Parse(environment.Args);
    }
}
