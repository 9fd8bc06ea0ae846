using VmNet.Controller.Hosting;
using VmNet.Daemon;

namespace VmNet.E2E.Chart;

/// <summary>The Deployment's command line and environment go through vmnet-controller's real option parser.</summary>
public sealed class ChartControllerArgsTests
{
    [Fact]
    public async Task DefaultArgsParseToTheProgramDefaultsWithLeaderElection()
    {
        var chart = await ChartTemplate.RenderAsync();
        var options = Parse(chart);

        // Everything but the OVN addresses and the pod identity is the controller's own default (Kube-OVN's).
        var expected = new ControllerOptions() with
        {
            NorthboundAddress = "tcp:ovn-nb.kube-system.svc.cluster.local:6641",
            SouthboundAddress = "tcp:ovn-sb.kube-system.svc.cluster.local:6642",
            PodNamespace = ChartTemplate.Namespace,
            PodName = KubeletEnvironment.SampleFields["metadata.name"],
        };
        Assert.Equal(expected, options);
        Assert.Equal("2", RenderedChart.Text(chart.Single("Deployment"), "spec", "replicas"));
        Assert.False(options.DisableLeaderElection);
        // The Lease lives in POD_NAMESPACE: the Role that grants leases must be there.
        var role = chart.Single("Role");
        Assert.Equal(options.PodNamespace, RenderedChart.Text(role, "metadata", "namespace"));
        Assert.Contains(role["rules"]!.AsArray(), r => RenderedChart.Strings(r!["resources"]).Contains("leases"));
    }

    [Fact]
    public async Task OverriddenArgsParseToTheValuesGiven()
    {
        var options = Parse(await ChartTemplate.RenderWithValuesAsync(ChartOverrides.Yaml));

        Assert.Equal("tcp:192.0.2.11:6641,tcp:192.0.2.12:6641", options.NorthboundAddress);
        Assert.Equal("ssl:192.0.2.11:6642,ssl:192.0.2.12:6642", options.SouthboundAddress);
        Assert.Equal("vxlan", options.NetworkType);
        Assert.Equal("vpc-main", options.ClusterRouter);
        Assert.Equal(("vm-default", "10.20.0.0/16,fd00:20::/64", "10.20.0.254,fd00:20::1", "10.20.0.1..10.20.0.9"),
            (options.DefaultSubnet, options.DefaultCidr, options.DefaultGateway, options.DefaultExcludeIps));
        Assert.Equal(("join-nodes", "100.70.0.0/16", "100.70.0.1"), (options.NodeSwitch, options.NodeSwitchCidr, options.NodeSwitchGateway));
        Assert.Equal("10.100.0.0/16", options.ServiceClusterIpRange);
        Assert.False(options.KeepVmIp);
        Assert.False(options.EnableLiveMigrationOptimize);
        Assert.False(options.EnableLb);
        Assert.Equal(8, options.WorkerCount);
        Assert.Equal(TimeSpan.Zero, options.GcInterval);
        Assert.Equal("vmnet-leader", options.LeaseName);
        Assert.Equal("Debug", options.LogLevel);
    }

    [Fact]
    public async Task ControllerAndDaemonAgreeOnTheClusterRouterAndTunnel()
    {
        foreach (var chart in new[] { await ChartTemplate.RenderAsync(), await ChartTemplate.RenderWithValuesAsync(ChartOverrides.Yaml) })
        {
            var controller = Parse(chart);
            var daemon = DaemonOptionsParser.Parse(new KubeletEnvironment(chart.Container("DaemonSet", "daemon")).Args);
            Assert.Equal(controller.ClusterRouter, daemon.ClusterRouter);
            Assert.Equal(controller.NetworkType, daemon.EncapType);
        }
    }

    [Fact]
    public async Task EveryLogLevelTheSchemaAllowsIsASerilogLevel()
    {
        foreach (var level in ValuesSchema.Enum("controller", "logLevel"))
        {
            Assert.True(Enum.TryParse<Serilog.Events.LogEventLevel>(level, out _), level);
        }

        Assert.Equal("Warning", Parse(await ChartTemplate.RenderAsync("controller.logLevel=Warning")).LogLevel);
    }

    private static ControllerOptions Parse(RenderedChart chart)
    {
        var container = chart.Container("Deployment", "controller");
        Assert.Equal(["vmnet-controller"], RenderedChart.Strings(container["command"]));
        var environment = new KubeletEnvironment(container);
        return ControllerOptionsParser.Parse(environment.Args, environment.Get);
    }
}
