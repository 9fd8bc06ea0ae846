using VmNet.Kube;
using VmNet.Kube.Models;

namespace VmNet.Controller.Tests.Addressing;

/// <summary>Ordinary pods against the in-process API server and a real OVN_Northbound ovsdb-server.</summary>
public sealed class PodAddressingTests : IAsyncLifetime
{
    private AddressingHarness _h = null!;

    public async Task InitializeAsync()
    {
        _h = await AddressingHarness.StartAsync();
        await _h.StartControllerAsync();
    }

    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task PodGetsKubeOvnAnnotationsIpCrAndLogicalSwitchPort()
    {
        await _h.Client.CreateAsync(KubeTestObjects.Pod("default", "web-1"));
        var pod = await _h.WaitAddressedAsync("default", "web-1");
        var a = pod.Metadata!.Annotations!;
        Assert.Equal("10.16.0.2", a["ovn.kubernetes.io/ip_address"]);
        Assert.Equal("10.16.0.0/16", a["ovn.kubernetes.io/cidr"]);
        Assert.Equal("10.16.0.1", a["ovn.kubernetes.io/gateway"]);
        Assert.Equal("ovn-default", a["ovn.kubernetes.io/logical_switch"]);
        Assert.Equal("veth-pair", a["ovn.kubernetes.io/pod_nic_type"]);
        Assert.Equal("ovn-cluster", a["ovn.kubernetes.io/logical_router"]);
        Assert.False(a.ContainsKey("ovn.kubernetes.io/virtualmachine"));
        var mac = a["ovn.kubernetes.io/mac_address"];
        Assert.Matches("^[0-9a-f]{2}(:[0-9a-f]{2}){5}$", mac);

        var ip = await _h.GetIpAsync("web-1.default");
        Assert.NotNull(ip);
        Assert.Equal("web-1", ip.Spec!.PodName);
        Assert.Equal("default", ip.Spec.Namespace);
        Assert.Equal("ovn-default", ip.Spec.Subnet);
        Assert.Equal("node-1", ip.Spec.NodeName);
        Assert.Equal("10.16.0.2", ip.Spec.IpAddress);
        Assert.Equal("10.16.0.2", ip.Spec.V4IpAddress);
        Assert.Equal(mac, ip.Spec.MacAddress);
        Assert.Equal(string.Empty, ip.Spec.PodType);
        Assert.Equal(pod.Metadata.Uid, ip.Spec.ContainerID);
        Assert.Equal("ovn-default", ip.Metadata!.Labels!["ovn.kubernetes.io/subnet"]);
        Assert.Equal("node-1", ip.Metadata.Labels["ovn.kubernetes.io/node-name"]);
        Assert.Equal("false", ip.Metadata.Labels["ovn.kubernetes.io/ip_reserved"]);
        Assert.Equal(string.Empty, ip.Metadata.Labels["ovn-default"]);
        Assert.Contains("kubeovn.io/kube-ovn-controller", ip.Metadata.Finalizers!);

        Assert.Equal($"[\"{mac} 10.16.0.2\"]", await _h.LspColumnAsync("web-1.default", "addresses"));
        Assert.Equal("[]", await _h.LspColumnAsync("web-1.default", "port_security"));
        Assert.Equal("\"default/web-1\"", await _h.NbctlAsync("get", "Logical_Switch_Port", "web-1.default", "external_ids:pod"));
        Assert.Equal("Pod", (await _h.NbctlAsync("get", "Logical_Switch_Port", "web-1.default", "external_ids:\"vmnet.io/owner-kind\"")).Trim('"'));
        Assert.Contains("web-1.default", await _h.NbctlAsync("lsp-list", "ovn-default"));
    }

    [Fact]
    public async Task UnscheduledPodIsAllocatedThenRoutedWhenBound()
    {
        await _h.Client.CreateAsync(KubeTestObjects.Pod("default", "late", node: null));
        await AddressingHarness.WaitUntilAsync(async () => (await _h.GetPodAsync("default", "late")).Metadata!.Annotations?.GetValueOrDefault("ovn.kubernetes.io/allocated") == "true");
        var pod = await _h.GetPodAsync("default", "late");
        Assert.False(pod.Metadata!.Annotations!.ContainsKey("ovn.kubernetes.io/routed"));
        Assert.Equal(string.Empty, (await _h.GetIpAsync("late.default"))!.Spec!.NodeName);

        await _h.Client.PatchAsync<V1Pod>("default", "late", KubePatch.Merge("""{"spec":{"nodeName":"node-7"}}"""));
        await _h.WaitAddressedAsync("default", "late");
        await AddressingHarness.WaitUntilAsync(async () => (await _h.GetIpAsync("late.default"))!.Spec!.NodeName == "node-7");
        Assert.Equal("node-7", (await _h.GetIpAsync("late.default"))!.Metadata!.Labels!["ovn.kubernetes.io/node-name"]);
    }

    [Fact]
    public async Task StaticIpMacAndPortSecurityAreHonoured()
    {
        await _h.Client.CreateAsync(KubeTestObjects.Pod("default", "fixed", annotations: new()
        {
            ["ovn.kubernetes.io/ip_address"] = "10.16.5.5",
            ["ovn.kubernetes.io/mac_address"] = "02:AA:bb:cc:dd:01",
            ["ovn.kubernetes.io/port_security"] = "true",
        }));
        var pod = await _h.WaitAddressedAsync("default", "fixed");
        Assert.Equal("10.16.5.5", pod.Metadata!.Annotations!["ovn.kubernetes.io/ip_address"]);
        Assert.Equal("02:aa:bb:cc:dd:01", pod.Metadata.Annotations["ovn.kubernetes.io/mac_address"]);
        Assert.Equal("[\"02:aa:bb:cc:dd:01 10.16.5.5\"]", await _h.LspColumnAsync("fixed.default", "port_security"));
    }

    [Fact]
    public async Task IpPoolListGivesTheFirstFreeEntry()
    {
        await _h.Client.CreateAsync(KubeTestObjects.Pod("default", "pool-a", annotations: new() { ["ovn.kubernetes.io/ip_pool"] = "10.16.9.1,10.16.9.2" }));
        await _h.WaitAddressedAsync("default", "pool-a");
        await _h.Client.CreateAsync(KubeTestObjects.Pod("default", "pool-b", annotations: new() { ["ovn.kubernetes.io/ip_pool"] = "10.16.9.1,10.16.9.2" }));
        var b = await _h.WaitAddressedAsync("default", "pool-b");
        Assert.Equal("10.16.9.1", (await _h.GetPodAsync("default", "pool-a")).Metadata!.Annotations!["ovn.kubernetes.io/ip_address"]);
        Assert.Equal("10.16.9.2", b.Metadata!.Annotations!["ovn.kubernetes.io/ip_address"]);
    }

    [Fact]
    public async Task NamespaceBindingChoosesTheSubnet()
    {
        await _h.Client.CreateAsync(new V1Namespace { ApiVersion = "v1", Kind = "Namespace", Metadata = new V1ObjectMeta { Name = "team" } });
        await _h.Client.CreateAsync(KubeTestObjects.Subnet("team-net", "172.20.0.0/24", namespaces: ["team"]));
        await _h.Client.CreateAsync(KubeTestObjects.Pod("team", "app"));
        var pod = await _h.WaitAddressedAsync("team", "app");
        Assert.Equal("team-net", pod.Metadata!.Annotations!["ovn.kubernetes.io/logical_switch"]);
        Assert.Equal("172.20.0.2", pod.Metadata.Annotations["ovn.kubernetes.io/ip_address"]);
        Assert.Contains("app.team", await _h.NbctlAsync("lsp-list", "team-net"));
    }

    [Fact]
    public async Task DeletingThePodReleasesPortIpCrAndAddress()
    {
        await _h.Client.CreateAsync(KubeTestObjects.Pod("default", "gone"));
        await _h.WaitAddressedAsync("default", "gone");
        await _h.Client.DeleteAsync<V1Pod>("default", "gone");
        await AddressingHarness.WaitUntilAsync(async () => await _h.GetIpAsync("gone.default") is null, what: "IP CR deleted");
        await AddressingHarness.WaitUntilAsync(async () => await _h.LspColumnAsync("gone.default", "name") is null, what: "LSP deleted");
        await AddressingHarness.WaitUntilAsync(() => Task.FromResult(_h.Context!.Ipam.FindByNic("gone.default") is null), what: "IPAM released");
    }

    [Fact]
    public async Task HostNetworkPodsAreSkipped()
    {
        var pod = KubeTestObjects.Pod("default", "host");
        pod.Spec!.HostNetwork = true;
        await _h.Client.CreateAsync(pod);
        await _h.Client.CreateAsync(KubeTestObjects.Pod("default", "after-host"));
        await _h.WaitAddressedAsync("default", "after-host");
        Assert.Null((await _h.GetPodAsync("default", "host")).Metadata!.Annotations);
        Assert.Null(await _h.GetIpAsync("host.default"));
    }

    [Fact]
    public async Task UserDeletedIpCrOfALivePodIsReleasedAndRecreated()
    {
        await _h.Client.CreateAsync(KubeTestObjects.Pod("default", "keep"));
        var before = await _h.WaitAddressedAsync("default", "keep");
        var uid = (await _h.GetIpAsync("keep.default"))!.Metadata!.Uid;
        await _h.Client.DeleteAsync<V1IP>(null, "keep.default");
        await AddressingHarness.WaitUntilAsync(async () => await _h.GetIpAsync("keep.default") is { } ip && ip.Metadata!.Uid != uid && ip.Metadata.DeletionTimestamp is null, what: "IP CR recreated");
        var ipNow = await _h.GetIpAsync("keep.default");
        Assert.Equal(before.Metadata!.Annotations!["ovn.kubernetes.io/ip_address"], ipNow!.Spec!.IpAddress);
        await AddressingHarness.WaitUntilAsync(async () => await _h.LspColumnAsync("keep.default", "name") is not null, what: "LSP recreated");
    }

    [Fact]
    public async Task UserCreatedIpCrIsAReservation()
    {
        await _h.Client.CreateAsync(new V1IP
        {
            ApiVersion = "kubeovn.io/v1",
            Kind = "IP",
            Metadata = new V1ObjectMeta { Name = "reserved.default", Labels = new() { ["ovn.kubernetes.io/ip_reserved"] = "true" } },
            Spec = new V1IPSpec { Namespace = "default", PodName = "reserved", Subnet = "ovn-default", IpAddress = "10.16.0.2", V4IpAddress = "10.16.0.2" },
        });
        await AddressingHarness.WaitUntilAsync(() => Task.FromResult(_h.Context!.Ipam.FindByNic("reserved.default") is not null), what: "reservation registered");
        await _h.Client.CreateAsync(KubeTestObjects.Pod("default", "other"));
        var pod = await _h.WaitAddressedAsync("default", "other");
        Assert.Equal("10.16.0.3", pod.Metadata!.Annotations!["ovn.kubernetes.io/ip_address"]);

        await _h.Module!.GarbageCollector!.RunPassAsync(CancellationToken.None);
        await _h.Module.GarbageCollector.RunPassAsync(CancellationToken.None);
        Assert.NotNull(await _h.GetIpAsync("reserved.default"));

        await _h.Client.DeleteAsync<V1IP>(null, "reserved.default");
        await AddressingHarness.WaitUntilAsync(async () => await _h.GetIpAsync("reserved.default") is null, what: "reservation deleted");
        await AddressingHarness.WaitUntilAsync(() => Task.FromResult(_h.Context!.Ipam.FindByNic("reserved.default") is null), what: "reservation released");
    }

    [Fact]
    public async Task DualStackPodGetsBothFamiliesInAnnotationsIpCrAndPort()
    {
        await _h.Client.CreateAsync(KubeTestObjects.Subnet("dual", "10.30.0.0/24,fd00:30::/120"));
        await AddressingHarness.WaitUntilAsync(() => Task.FromResult(_h.Context!.Ipam.FindSubnet("dual") is not null), what: "subnet registered");
        await _h.Client.CreateAsync(KubeTestObjects.Pod("default", "ds", annotations: new() { ["ovn.kubernetes.io/logical_switch"] = "dual" }));
        var pod = await _h.WaitAddressedAsync("default", "ds");
        var a = pod.Metadata!.Annotations!;
        Assert.Equal("10.30.0.2,fd00:30::2", a["ovn.kubernetes.io/ip_address"]);
        Assert.Equal("10.30.0.0/24,fd00:30::/120", a["ovn.kubernetes.io/cidr"]);
        Assert.Equal("10.30.0.1,fd00:30::1", a["ovn.kubernetes.io/gateway"]);
        var ip = await _h.GetIpAsync("ds.default");
        Assert.Equal(("10.30.0.2", "fd00:30::2"), (ip!.Spec!.V4IpAddress, ip.Spec.V6IpAddress));
        Assert.Equal($"[\"{a["ovn.kubernetes.io/mac_address"]} 10.30.0.2 fd00:30::2\"]", await _h.LspColumnAsync("ds.default", "addresses"));
    }

    [Fact]
    public async Task PodDeletedWhileTheControllerIsDownIsCollectedOnTheSecondGcPass()
    {
        await _h.Client.CreateAsync(KubeTestObjects.Pod("default", "ghost"));
        await _h.Client.CreateAsync(KubeTestObjects.Pod("default", "alive"));
        await _h.WaitAddressedAsync("default", "ghost");
        await _h.WaitAddressedAsync("default", "alive");
        await _h.StopControllerAsync();
        await _h.Client.DeleteAsync<V1Pod>("default", "ghost");
        await _h.StartControllerAsync();

        // The rebuild keeps the address held: nothing else may take it before the GC released it.
        Assert.NotNull(_h.Context!.Ipam.FindByNic("ghost.default"));
        var gc = _h.Module!.GarbageCollector!;
        var first = await gc.RunPassAsync(CancellationToken.None);
        Assert.Equal(1, first.MarkedIps);
        Assert.Equal(0, first.DeletedIps);
        Assert.NotNull(await _h.GetIpAsync("ghost.default"));
        var second = await gc.RunPassAsync(CancellationToken.None);
        Assert.Equal(1, second.DeletedIps);
        await AddressingHarness.WaitUntilAsync(async () => await _h.GetIpAsync("ghost.default") is null, what: "IP CR collected");
        await AddressingHarness.WaitUntilAsync(async () => await _h.LspColumnAsync("ghost.default", "name") is null, what: "LSP collected");
        await AddressingHarness.WaitUntilAsync(() => Task.FromResult(_h.Context!.Ipam.FindByNic("ghost.default") is null), what: "IPAM released");
        Assert.NotNull(await _h.GetIpAsync("alive.default"));
        Assert.NotNull(await _h.LspColumnAsync("alive.default", "name"));
    }

    [Fact]
    public async Task SubnetUsageFollowsAllocationsAndReleases()
    {
        await _h.Client.CreateAsync(KubeTestObjects.Pod("default", "counted"));
        await _h.WaitAddressedAsync("default", "counted");
        await AddressingHarness.WaitUntilAsync(async () => (await _h.Client.GetAsync<V1Subnet>(null, "ovn-default")).Status?.V4usingIPs == 1m, what: "v4usingIPs=1");
        await _h.Client.DeleteAsync<V1Pod>("default", "counted");
        await AddressingHarness.WaitUntilAsync(async () => (await _h.Client.GetAsync<V1Subnet>(null, "ovn-default")).Status?.V4usingIPs == 0m, what: "v4usingIPs=0");
    }
}
