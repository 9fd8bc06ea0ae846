using VmNet.Daemon.Ovs;
using VmNet.Daemon.Pods;
using VmNet.Kube.Models;

namespace VmNet.Daemon.Tests.Pods;

/// <summary>Which pods get a port plugged before their ADD, what it carries, and the names it gets.</summary>
public class PrePlugRulesTests
{
    private static readonly DaemonOptions Options = new() { NodeName = "node-a", DatapathType = "netdev" };

    private static V1Pod Pod(Action<V1Pod>? change = null, Dictionary<string, string>? extra = null)
    {
        var annotations = new Dictionary<string, string>
        {
            ["ovn.kubernetes.io/allocated"] = "true",
            ["ovn.kubernetes.io/ip_address"] = "10.16.0.5",
            ["ovn.kubernetes.io/mac_address"] = "0a:58:0a:10:00:05",
            ["ovn.kubernetes.io/cidr"] = "10.16.0.0/16",
            ["ovn.kubernetes.io/gateway"] = "10.16.0.1",
            ["ovn.kubernetes.io/logical_switch"] = "ovn-default",
        };
        foreach (var (key, value) in extra ?? [])
        {
            annotations[key] = value;
        }

        var pod = new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "web", Namespace = "shop", Annotations = annotations },
            Spec = new V1PodSpec { NodeName = "node-a", Containers = [] },
        };
        change?.Invoke(pod);
        return pod;
    }

    [Fact]
    public void WaitingPortExpiresMaxAgeAfterThePodsCreationAndOlderPodsGetNone()
    {
        var created = new DateTimeOffset(2026, 11, 22, 6, 0, 0, TimeSpan.Zero);
        var options = Options with { PrePlugMaxAge = TimeSpan.FromMinutes(10) };
        var wanted = PrePlugs.Wanted(Pod(p => p.Metadata!.CreationTimestamp = created), options, created.AddMinutes(3));
        Assert.NotNull(wanted);
        Assert.Equal(created.AddMinutes(10).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), wanted.ExternalIds[OvsExternalIds.PrePlugExpires]);

        Assert.Null(PrePlugs.Wanted(Pod(p => p.Metadata!.CreationTimestamp = created), options, created.AddMinutes(10)));
        Assert.Null(PrePlugs.Wanted(Pod(p => p.Metadata!.CreationTimestamp = created), options, created.AddHours(1)));
    }

    [Theory]
    [InlineData(2, 1)]
    [InlineData(600, 60)]
    [InlineData(120, 30)]
    public void ExpiryIsLookedForAtAQuarterOfTheMaxAgeWithinOneSecondAndOneMinute(int maxAgeSeconds, int intervalSeconds) =>
        Assert.Equal(TimeSpan.FromSeconds(intervalSeconds), PodPrePlugger.ExpiryInterval(TimeSpan.FromSeconds(maxAgeSeconds)));

    [Fact]
    public void AllocatedPodGetsAPortBoundToItsLogicalPort()
    {
        var wanted = PrePlugs.Wanted(Pod(), Options);
        Assert.NotNull(wanted);
        Assert.Equal("web.shop", wanted.IfaceId);
        Assert.Equal(PrePlugNames.HostSide("web.shop"), wanted.Name);
        Assert.Equal("0a:58:0a:10:00:05", wanted.ExternalIds[OvsExternalIds.PrePlugged]);
        Assert.Equal("10.16.0.5", wanted.ExternalIds[OvsExternalIds.Ip]);
        Assert.Equal("web", wanted.ExternalIds[OvsExternalIds.PodName]);
        Assert.Equal("shop", wanted.ExternalIds[OvsExternalIds.PodNamespace]);
        Assert.Equal(OvsExternalIds.VendorValue, wanted.ExternalIds[OvsExternalIds.Vendor]);
        Assert.False(wanted.ExternalIds.ContainsKey(OvsExternalIds.ContainerId));
        Assert.False(wanted.PoliceOnOvs);
    }

    [Fact]
    public void KubeVirtLauncherPodIsBoundToTheVmsLogicalPort()
    {
        var wanted = PrePlugs.Wanted(Pod(extra: new() { ["ovn.kubernetes.io/virtualmachine"] = "vm1" }), Options);
        Assert.Equal("vm1.shop", wanted?.IfaceId);
    }

    [Fact]
    public void PodsThatMustNotGetOneGetNone()
    {
        Assert.Null(PrePlugs.Wanted(Pod(extra: new() { ["ovn.kubernetes.io/allocated"] = "false" }), Options));
        Assert.Null(PrePlugs.Wanted(Pod(p => p.Metadata!.Annotations!.Remove("ovn.kubernetes.io/mac_address")), Options));
        Assert.Null(PrePlugs.Wanted(Pod(p => p.Spec!.HostNetwork = true), Options));
        Assert.Null(PrePlugs.Wanted(Pod(p => p.Metadata!.DeletionTimestamp = DateTimeOffset.UtcNow), Options));
        Assert.Null(PrePlugs.Wanted(Pod(p => p.Status = new V1PodStatus { Phase = "Succeeded" }), Options));
        Assert.Null(PrePlugs.Wanted(Pod(p => p.Status = new V1PodStatus { Phase = "Failed" }), Options));
        Assert.Null(PrePlugs.Wanted(Pod(extra: new() { ["ovn.kubernetes.io/pod_nic_type"] = "internal-port" }), Options));
        Assert.Null(PrePlugs.Wanted(Pod(extra: new() { ["ovn.kubernetes.io/mac_address"] = "not-a-mac" }), Options));

        // A live-migration target shares the VM's logical port with the running source: plugging it early would steal it.
        Assert.Null(PrePlugs.Wanted(Pod(extra: new() { ["kubevirt.io/migrationJobName"] = "m1", ["ovn.kubernetes.io/virtualmachine"] = "vm1" }), Options));
        Assert.NotNull(PrePlugs.Wanted(Pod(p => p.Status = new V1PodStatus { Phase = "Pending" }, new() { ["ovn.kubernetes.io/pod_nic_type"] = "veth-pair" }), Options));
    }

    [Fact]
    public void NamesFitIfnamsizAndAreRecognised()
    {
        var host = PrePlugNames.HostSide("a-rather-long-pod-name-0123456789.some-namespace");
        var holding = PrePlugNames.Holding("a-rather-long-pod-name-0123456789.some-namespace");
        Assert.Equal(14, host.Length);
        Assert.EndsWith("_h", host, StringComparison.Ordinal);
        Assert.Equal(holding, PrePlugNames.HoldingOf(host));
        Assert.True(PrePlugNames.IsPrePlugName(host));
        Assert.True(PrePlugNames.IsPrePlugName(holding));
        Assert.NotEqual(host, PrePlugNames.HostSide("web.shop"));
        Assert.Equal(PrePlugNames.HostSide("web.shop"), PrePlugNames.HostSide("web.shop"));
        Assert.False(PrePlugNames.IsPrePlugName("0123456789ab_h"));
        Assert.False(PrePlugNames.IsPrePlugName("vpXYZ456789a_h"));
        Assert.False(PrePlugNames.IsPrePlugName("vp0123456789_c"));
    }
}
