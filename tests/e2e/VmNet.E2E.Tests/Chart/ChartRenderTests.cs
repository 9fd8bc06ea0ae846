using System.Text.Json.Nodes;

namespace VmNet.E2E.Chart;

/// <summary>`helm template` renders the objects a node network add-on needs, shaped the way the programs need them.</summary>
public sealed class ChartRenderTests
{
    [Fact]
    public async Task RendersCrdsWorkloadsRbacAndCniConfig()
    {
        var chart = await ChartTemplate.RenderAsync();

        var crds = chart.OfKind("CustomResourceDefinition").Select(c => RenderedChart.Text(c, "metadata", "name")).Order(StringComparer.Ordinal);
        Assert.Equal(["ips.kubeovn.io", "subnets.kubeovn.io", "vpcs.kubeovn.io"], crds);
        var counts = chart.Kinds.Where(k => k != "CustomResourceDefinition").GroupBy(k => k, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        Assert.Equal(
            new Dictionary<string, int>(StringComparer.Ordinal)
            {
                ["Deployment"] = 1,
                ["DaemonSet"] = 1,
                ["ServiceAccount"] = 2,
                ["ClusterRole"] = 2,
                ["ClusterRoleBinding"] = 2,
                ["Role"] = 1,
                ["RoleBinding"] = 1,
                ["ConfigMap"] = 1,
            },
            counts);
        foreach (var namespaced in chart.Objects.Where(o => RenderedChart.Text(o, "kind") is not ("CustomResourceDefinition" or "ClusterRole" or "ClusterRoleBinding")))
        {
            Assert.Equal(ChartTemplate.Namespace, RenderedChart.Text(namespaced, "metadata", "namespace"));
        }
    }

    [Fact]
    public async Task BindingsNameTheServiceAccountsTheWorkloadsRunAs()
    {
        var chart = await ChartTemplate.RenderAsync();
        foreach (var kind in new[] { "Deployment", "DaemonSet" })
        {
            var account = RenderedChart.Text(chart.PodSpec(kind), "serviceAccountName");
            chart.Single("ServiceAccount", account);
            var bindings = chart.OfKind("ClusterRoleBinding").Concat(chart.OfKind("RoleBinding"))
                .Where(b => b["subjects"]!.AsArray().Any(s => RenderedChart.Text(s!, "name") == account && RenderedChart.Text(s!, "namespace") == ChartTemplate.Namespace))
                .ToList();
            Assert.NotEmpty(bindings);
            foreach (var binding in bindings)
            {
                var roleKind = RenderedChart.Text(binding, "roleRef", "kind");
                chart.Single(roleKind, RenderedChart.Text(binding, "roleRef", "name"));
            }
        }
    }

    [Fact]
    public async Task DaemonRunsPrivilegedOnEveryNodeWithTheHostPathsItUses()
    {
        var chart = await ChartTemplate.RenderAsync();
        var pod = chart.PodSpec("DaemonSet");
        Assert.Equal("true", RenderedChart.Text(pod, "hostNetwork"));
        Assert.Equal("true", RenderedChart.Text(pod, "hostPID"));
        Assert.Equal("system-node-critical", RenderedChart.Text(pod, "priorityClassName"));
        var toleration = Assert.Single(pod["tolerations"]!.AsArray())!.AsObject();
        Assert.Equal("Exists", RenderedChart.Text(toleration, "operator"));
        Assert.False(toleration.ContainsKey("key") || toleration.ContainsKey("effect"), toleration.ToJsonString());

        var daemon = chart.Container("DaemonSet", "daemon");
        Assert.Equal("true", RenderedChart.Text(daemon, "securityContext", "privileged"));
        var hostPaths = HostPaths(pod);
        var mounts = Mounts(daemon, hostPaths);
        Assert.Equal("/run/openvswitch", mounts["/run/openvswitch"].HostPath);
        Assert.Equal("/run/vmnet", mounts["/run/vmnet"].HostPath);
        Assert.Equal(("/var/run/netns", "Bidirectional"), (mounts["/var/run/netns"].HostPath, mounts["/var/run/netns"].Propagation));
        Assert.Equal(("/var/lib/kubelet/pods", "HostToContainer"), (mounts["/var/lib/kubelet/pods"].HostPath, mounts["/var/lib/kubelet/pods"].Propagation));
        Assert.Equal("/sys", mounts["/sys"].HostPath);

        var install = chart.Container("DaemonSet", "install-cni", init: true);
        var installEnv = new KubeletEnvironment(install);
        var installMounts = Mounts(install, hostPaths);
        Assert.Equal("/opt/cni/bin", installMounts[installEnv.Get("CNI_BIN_DIR")!].HostPath);
        Assert.Equal("/etc/cni/net.d", installMounts[installEnv.Get("CNI_CONF_DIR")!].HostPath);
    }

    [Fact]
    public async Task ImageAndHostDirectoriesFollowTheValues()
    {
        var chart = await ChartTemplate.RenderWithValuesAsync(ChartOverrides.Yaml);
        var pod = chart.PodSpec("DaemonSet");
        var hostPaths = HostPaths(pod);
        var install = chart.Container("DaemonSet", "install-cni", init: true);
        var installEnv = new KubeletEnvironment(install);
        var installMounts = Mounts(install, hostPaths);
        Assert.Equal("/usr/libexec/cni", installMounts[installEnv.Get("CNI_BIN_DIR")!].HostPath);
        Assert.Equal("/etc/cni/multus/net.d", installMounts[installEnv.Get("CNI_CONF_DIR")!].HostPath);
        var kubeletPods = Mounts(chart.Container("DaemonSet", "daemon"), hostPaths)["/var/lib/k0s/kubelet/pods"];
        Assert.Equal("/var/lib/k0s/kubelet/pods", kubeletPods.HostPath);

        foreach (var container in new[] { chart.Container("Deployment", "controller"), chart.Container("DaemonSet", "daemon"), install })
        {
            Assert.Equal("registry.example.com/vmnet:1.2.3", RenderedChart.Text(container, "image"));
            Assert.Equal("Always", RenderedChart.Text(container, "imagePullPolicy"));
        }

        Assert.Equal("3", RenderedChart.Text(chart.Single("Deployment"), "spec", "replicas"));
    }

    [Fact]
    public async Task ImageTagDefaultsToTheAppVersion()
    {
        var chart = await ChartTemplate.RenderAsync();
        var appVersion = File.ReadLines(Path.Combine(Helm.ChartDirectory, "Chart.yaml"))
            .Single(l => l.StartsWith("appVersion:", StringComparison.Ordinal))["appVersion:".Length..].Trim().Trim('"');
        Assert.Equal($"ghcr.io/vmnet/vmnet:{appVersion}", RenderedChart.Text(chart.Container("Deployment", "controller"), "image"));
        Assert.Equal("2", RenderedChart.Text(chart.Single("Deployment"), "spec", "replicas"));
    }

    private static Dictionary<string, string> HostPaths(JsonObject podSpec) =>
        podSpec["volumes"]!.AsArray()
            .Where(v => v!["hostPath"] is not null)
            .ToDictionary(v => RenderedChart.Text(v!, "name"), v => RenderedChart.Text(v!, "hostPath", "path"), StringComparer.Ordinal);

    /// <summary>The container's mounts by mount path: the host path behind each (empty for non-host volumes) and its propagation.</summary>
    private static Dictionary<string, (string HostPath, string? Propagation)> Mounts(JsonObject container, Dictionary<string, string> hostPaths) =>
        container["volumeMounts"]!.AsArray().ToDictionary(
            m => RenderedChart.Text(m!, "mountPath"),
            m => (hostPaths.GetValueOrDefault(RenderedChart.Text(m!, "name"), ""), m!["mountPropagation"]?.GetValue<string>()),
            StringComparer.Ordinal);
}
