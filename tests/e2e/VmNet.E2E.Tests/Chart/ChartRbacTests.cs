using VmNet.Kube;

namespace VmNet.E2E.Chart;

/// <summary>
/// The chart grants each program exactly the API access its code uses: derived from the sources by
/// <see cref="KubeApiUsage"/>, plus <see cref="HandAccountedApiCalls"/> for calls that do not name their resource.
/// Missing a permission breaks the program on a real cluster; an extra one is access nobody needs.
/// </summary>
public sealed class ChartRbacTests
{
    private static readonly Lazy<KubeApiUsage> ControllerUsage = new(() => KubeApiUsage.Scan("Controller"));

    private static readonly Lazy<KubeApiUsage> DaemonUsage = new(() => KubeApiUsage.Scan("Daemon"));

    [Fact]
    public async Task ControllerMayListAndWatchEveryResourceItHasAnInformerOn()
    {
        var informers = ControllerUsage.Value.Informers.Select(r => r.Plural).Order(StringComparer.Ordinal);
        // Guards the scan itself: ControllerContext's informers and KubeVirtInformers' three.
        Assert.Superset(
            new HashSet<string>(["pods", "namespaces", "nodes", "subnets", "vpcs", "ips", "network-attachment-definitions", "virtualmachines", "virtualmachineinstances", "virtualmachineinstancemigrations"], StringComparer.Ordinal),
            informers.ToHashSet(StringComparer.Ordinal));

        var granted = RbacRules.Of(await ClusterRoleAsync("controller"));
        foreach (var resource in ControllerUsage.Value.Informers)
        {
            Assert.Contains(new Grant(resource.Group, resource.Plural, "list"), granted);
            Assert.Contains(new Grant(resource.Group, resource.Plural, "watch"), granted);
        }
    }

    [Fact]
    public async Task ControllerMayPatchPodsNodesAndKubeOvnStatus()
    {
        var granted = RbacRules.Of(await ClusterRoleAsync("controller"));
        Assert.Contains(new Grant("", "pods", "patch"), granted);
        Assert.Contains(new Grant("", "nodes", "patch"), granted);
        Assert.Contains(new Grant(KubeInfo.KubeOvnGroup, "subnets/status", "patch"), granted);
        Assert.Contains(new Grant(KubeInfo.KubeOvnGroup, "vpcs/status", "patch"), granted);
        Assert.Contains(new Grant("", "events", "create"), granted);
    }

    [Fact]
    public async Task ControllerIsGrantedExactlyWhatItsCodeUses()
    {
        var chart = await ChartTemplate.RenderAsync();
        var clusterWide = RbacRules.Of(await ClusterRoleAsync("controller"));
        var inNamespace = RbacRules.Of(chart.Single("Role"));
        AssertExactly(ControllerUsage.Value, HandAccountedApiCalls.Controller, clusterWide.Union(inNamespace));
        // Leases only in the controller's namespace, where leader election keeps its Lease.
        Assert.All(inNamespace, g => Assert.Equal(KubeResources.Leases.Plural, g.Resource));
        Assert.DoesNotContain(clusterWide, g => g.Resource == KubeResources.Leases.Plural);
    }

    [Fact]
    public async Task DaemonIsGrantedExactlyWhatItsCodeUses()
    {
        var granted = RbacRules.Of(await ClusterRoleAsync("daemon"));
        AssertExactly(DaemonUsage.Value, HandAccountedApiCalls.Daemon, granted);
        Assert.Contains(new Grant("", "pods", "patch"), granted);
        Assert.Contains(new Grant("", "nodes/status", "update"), granted);
    }

    private static void AssertExactly(KubeApiUsage usage, IReadOnlyDictionary<string, Grant[]> handAccounted, IEnumerable<Grant> granted)
    {
        Assert.Equal(handAccounted.Keys.Order(StringComparer.Ordinal), usage.FilesWithUnnamedResources.Order(StringComparer.Ordinal));
        var needed = usage.Grants.Union(handAccounted.Values.SelectMany(g => g));
        Assert.Equal(Sorted(needed), Sorted(granted));
    }

    private static List<string> Sorted(IEnumerable<Grant> grants) => [.. grants.Select(g => g.ToString()).Distinct().Order(StringComparer.Ordinal)];

    private static async Task<System.Text.Json.Nodes.JsonObject> ClusterRoleAsync(string component)
    {
        var chart = await ChartTemplate.RenderAsync();
        return chart.Single("ClusterRole", $"{ChartTemplate.ReleaseName}-{component}");
    }
}
