using System.Text;
using VmNet.Cni;
using VmNet.Daemon;

namespace VmNet.E2E.Chart;

/// <summary>
/// The conflist the chart installs on every node is one the CNI plugin accepts: parsed and turned into a daemon
/// request by the plugin's own code (src/VmNet/Cni, compiled into the vmnet binary), as on an ADD by kubelet.
/// </summary>
public sealed class ChartCniConfigTests
{
    [Fact]
    public async Task DefaultConflistIsAKubeOvnConfigTheDaemonServes()
    {
        var chart = await ChartTemplate.RenderAsync();
        var invocation = AddThrough(chart, "01-kube-ovn.conflist");

        Assert.Equal("kube-ovn", invocation.Request.CniType);
        Assert.Equal(DaemonProtocol.KubeOvnSocketPath, invocation.SocketPath);
        Assert.Equal("1.0.0", invocation.CniVersion);
        Assert.Equal("ovn", invocation.Request.Provider);
        Assert.Equal("kube-ovn", invocation.Request.NetworkName);
        var daemon = DaemonOptionsParser.Parse(new KubeletEnvironment(chart.Container("DaemonSet", "daemon")).Args);
        Assert.Contains(invocation.SocketPath, daemon.AllSocketPaths);
    }

    [Fact]
    public async Task ConfNameAndVersionFollowTheValues()
    {
        var chart = await ChartTemplate.RenderWithValuesAsync(ChartOverrides.Yaml);
        var invocation = AddThrough(chart, "00-vmnet.conflist");
        Assert.Equal("0.4.0", invocation.CniVersion);

        var install = new KubeletEnvironment(chart.Container("DaemonSet", "install-cni", init: true));
        Assert.Equal("00-vmnet.conflist", install.Get("CNI_CONF_NAME"));
        var configVolume = Assert.Single(chart.PodSpec("DaemonSet")["volumes"]!.AsArray(), v => v!["configMap"] is not null)!;
        var item = Assert.Single(configVolume["configMap"]!["items"]!.AsArray())!;
        Assert.Equal(("00-vmnet.conflist", "00-vmnet.conflist"), (RenderedChart.Text(item, "key"), RenderedChart.Text(item, "path")));
        Assert.EndsWith("/00-vmnet.conflist", install.Get("CNI_CONF_SOURCE"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryCniVersionTheSchemaAllowsIsAcceptedByThePlugin()
    {
        foreach (var version in ValuesSchema.Enum("cni", "cniVersion"))
        {
            var chart = await ChartTemplate.RenderAsync($"cni.cniVersion={version}");
            Assert.Equal(version, AddThrough(chart, "01-kube-ovn.conflist").CniVersion);
        }
    }

    /// <summary>What the plugin makes of an ADD with the rendered conflist: the runtime's view of its plugin entry, then the plugin's.</summary>
    private static CniInvocation AddThrough(RenderedChart chart, string confName)
    {
        var data = chart.Single("ConfigMap")["data"]!.AsObject();
        Assert.Equal([confName], data.Select(d => d.Key));
        var conflist = RenderedChart.Text(data, confName);
        var plugin = Assert.Single(NetConfParser.ParseConfListPlugins(Encoding.UTF8.GetBytes(conflist)));
        // Plugin entries reach the binary as one netconf on stdin: reparse it the way the binary does.
        var netconf = NetConfParser.Parse(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(plugin, CniJsonContext.Default.NetConf));
        var environment = new CniEnvironment("ADD", "0123456789abcdef", "/var/run/netns/cni-1", "eth0", "K8S_POD_NAMESPACE=default;K8S_POD_NAME=virt-launcher-vm1-abcde", "/opt/cni/bin");
        return CniInvocationBuilder.Build(CniCommand.Add, environment, netconf);
    }
}
