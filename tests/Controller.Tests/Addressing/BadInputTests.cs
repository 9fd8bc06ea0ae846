using VmNet.Kube;
using VmNet.Kube.Models;

namespace VmNet.Controller.Tests.Addressing;

/// <summary>
/// Bad addressing input: a Warning event names the annotation and the value, nothing is allocated for that
/// pod, and the pods around it are addressed as usual.
/// </summary>
public sealed class BadInputTests : IAsyncLifetime
{
    private AddressingHarness _h = null!;

    public async Task InitializeAsync()
    {
        _h = await AddressingHarness.StartAsync();
        await _h.Client.CreateAsync(KubeTestObjects.Subnet("small", "192.168.50.0/24", excludeIps: ["192.168.50.100..192.168.50.110"]));
        await _h.StartControllerAsync();
    }

    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Theory]
    [InlineData("ovn.kubernetes.io/ip_address", "10.16.0.300", "10.16.0.300")]
    [InlineData("ovn.kubernetes.io/ip_address", "10.17.0.5", "10.17.0.5")]
    [InlineData("ovn.kubernetes.io/ip_address", "10.16.0.1", "10.16.0.1")]
    [InlineData("ovn.kubernetes.io/ip_address", "10.16.0.5,10.16.0.6", "10.16.0.5,10.16.0.6")]
    [InlineData("ovn.kubernetes.io/mac_address", "02:00:00:00:00", "02:00:00:00:00")]
    [InlineData("ovn.kubernetes.io/mac_address", "01:00:5e:00:00:01", "01:00:5e:00:00:01")]
    [InlineData("ovn.kubernetes.io/logical_switch", "no-such-subnet", "no-such-subnet")]
    [InlineData("ovn.kubernetes.io/ip_pool", "10.16.0.x", "10.16.0.x")]
    public async Task BadAnnotationGetsAWarningNamingKeyAndValueAndNothingIsAllocated(string key, string value, string expectedInMessage)
    {
        await _h.Client.CreateAsync(KubeTestObjects.Pod("default", "bad", annotations: new() { [key] = value }));
        await _h.Client.CreateAsync(KubeTestObjects.Pod("default", "good"));
        var good = await _h.WaitAddressedAsync("default", "good");
        var warning = await EventsAsync.WaitForWarningAsync(_h.Client, "default", "bad", expectedInMessage);
        Assert.Contains(key, warning);
        Assert.Contains("AcquireAddressFailed", warning);

        var bad = await _h.GetPodAsync("default", "bad");
        Assert.NotEqual("true", bad.Metadata!.Annotations!.GetValueOrDefault("ovn.kubernetes.io/allocated"));
        Assert.Null(await _h.GetIpAsync("bad.default"));
        Assert.Null(await _h.LspColumnAsync("bad.default", "name"));
        Assert.Null(_h.Context!.Ipam.FindByNic("bad.default"));
        Assert.Equal("10.16.0.2", good.Metadata!.Annotations!["ovn.kubernetes.io/ip_address"]);
    }

    [Fact]
    public async Task ExcludedIpIsAllowedAsStaticPerKubeOvn()
    {
        // facts §4.3: excludeIps only keep dynamic allocation away; a static request may take one.
        await _h.Client.CreateAsync(KubeTestObjects.Pod("default", "excluded", annotations: new()
        {
            ["ovn.kubernetes.io/logical_switch"] = "small",
            ["ovn.kubernetes.io/ip_address"] = "192.168.50.105",
        }));
        var pod = await _h.WaitAddressedAsync("default", "excluded");
        Assert.Equal("192.168.50.105", pod.Metadata!.Annotations!["ovn.kubernetes.io/ip_address"]);
    }

    [Fact]
    public async Task TwoPodsAskingForOneStaticIpTheSecondIsRejected()
    {
        await _h.Client.CreateAsync(KubeTestObjects.Pod("default", "one", annotations: new() { ["ovn.kubernetes.io/ip_address"] = "10.16.3.3" }));
        await _h.WaitAddressedAsync("default", "one");
        await _h.Client.CreateAsync(KubeTestObjects.Pod("default", "two", annotations: new() { ["ovn.kubernetes.io/ip_address"] = "10.16.3.3" }));
        var warning = await EventsAsync.WaitForWarningAsync(_h.Client, "default", "two", "10.16.3.3");
        Assert.Contains("default/one", warning);
        Assert.Null(await _h.GetIpAsync("two.default"));
        Assert.Equal("10.16.3.3", (await _h.GetIpAsync("one.default"))!.Spec!.IpAddress);
    }

    [Fact]
    public async Task FixingTheAnnotationLetsThePodBeAddressed()
    {
        await _h.Client.CreateAsync(KubeTestObjects.Pod("default", "fixme", annotations: new() { ["ovn.kubernetes.io/ip_address"] = "nonsense" }));
        await EventsAsync.WaitForWarningAsync(_h.Client, "default", "fixme", "nonsense");
        await _h.Client.PatchAsync<V1Pod>("default", "fixme", VmNet.Kube.KubePatch.Merge("""{"metadata":{"annotations":{"ovn.kubernetes.io/ip_address":"10.16.4.4"}}}"""));
        var pod = await _h.WaitAddressedAsync("default", "fixme");
        Assert.Equal("10.16.4.4", pod.Metadata!.Annotations!["ovn.kubernetes.io/ip_address"]);
    }
}
