using VmNet.Kube;
using VmNet.Kube.Models;

namespace VmNet.Controller.Tests.Addressing;

/// <summary>
/// A subnet with no free address left: the next pod gets a Warning naming the subnet and nothing at all (no IP
/// CR, no LSP, no annotations, nothing in IPAM); once an address is released it gets that address without any
/// change to the pod (woken by the release, not by the one-minute backstop retry).
/// </summary>
public sealed class FullSubnetTests : IAsyncLifetime
{
    private AddressingHarness _h = null!;

    public async Task InitializeAsync()
    {
        _h = await AddressingHarness.StartAsync();

        // A /29 has .1 (gateway) to .6 usable; three excluded leave exactly .5 and .6.
        await _h.Client.CreateAsync(KubeTestObjects.Subnet("tiny", "10.99.0.0/29", excludeIps: ["10.99.0.2..10.99.0.4"]));
        await _h.StartControllerAsync();
    }

    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task TheNextPodGetsAWarningNamingTheSubnetAndItsAddressOnceOneIsFreed()
    {
        var onTiny = new Dictionary<string, string> { ["ovn.kubernetes.io/logical_switch"] = "tiny" };
        await _h.Client.CreateAsync(KubeTestObjects.Pod("default", "p1", annotations: new(onTiny)));
        await _h.Client.CreateAsync(KubeTestObjects.Pod("default", "p2", annotations: new(onTiny)));
        var p1 = await _h.WaitAddressedAsync("default", "p1");
        var p2 = await _h.WaitAddressedAsync("default", "p2");
        var taken = new[] { p1, p2 }.Select(p => p.Metadata!.Annotations!["ovn.kubernetes.io/ip_address"]).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["10.99.0.5", "10.99.0.6"], taken);

        await _h.Client.CreateAsync(KubeTestObjects.Pod("default", "p3", annotations: new(onTiny)));
        var warning = await EventsAsync.WaitForWarningAsync(_h.Client, "default", "p3", "tiny");
        Assert.Contains("AcquireAddressFailed", warning, StringComparison.Ordinal);
        Assert.Contains("subnet: \"tiny\" has no available IPv4 address", warning, StringComparison.Ordinal);
        Assert.Contains("default/p3", warning, StringComparison.Ordinal);

        // Nothing half-made for p3, and p1/p2 untouched.
        var p3 = await _h.GetPodAsync("default", "p3");
        Assert.False(p3.Metadata!.Annotations!.ContainsKey("ovn.kubernetes.io/allocated"));
        Assert.False(p3.Metadata.Annotations.ContainsKey("ovn.kubernetes.io/ip_address"));
        Assert.Null(await _h.GetIpAsync("p3.default"));
        Assert.Null(await _h.LspColumnAsync("p3.default", "name"));
        Assert.Null(_h.Context!.Ipam.FindByNic("p3.default"));
        Assert.Equal(2, _h.Context.Ipam.FindSubnet("tiny")!.Allocations().Count);

        // Freeing p1's address hands it to p3 with no further event on p3 (level-triggered, well inside the backstop).
        var freed = p1.Metadata!.Annotations!["ovn.kubernetes.io/ip_address"];
        await _h.Client.DeleteAsync<V1Pod>("default", "p1");
        var addressed = await _h.WaitAddressedAsync("default", "p3", TimeSpan.FromSeconds(30));
        Assert.Equal(freed, addressed.Metadata!.Annotations!["ovn.kubernetes.io/ip_address"]);
        Assert.Equal(freed, (await _h.GetIpAsync("p3.default"))!.Spec!.IpAddress);
        Assert.NotNull(await _h.LspColumnAsync("p3.default", "name"));
    }

    [Fact]
    public async Task SeveralWaitingPodsAreServedOneAddressEachAsAddressesAreFreed()
    {
        var onTiny = new Dictionary<string, string> { ["ovn.kubernetes.io/logical_switch"] = "tiny" };
        foreach (var name in new[] { "a1", "a2" })
        {
            await _h.Client.CreateAsync(KubeTestObjects.Pod("default", name, annotations: new(onTiny)));
            await _h.WaitAddressedAsync("default", name);
        }

        foreach (var name in new[] { "w1", "w2", "w3" })
        {
            await _h.Client.CreateAsync(KubeTestObjects.Pod("default", name, annotations: new(onTiny)));
            await EventsAsync.WaitForWarningAsync(_h.Client, "default", name, "tiny");
        }

        // Both addresses freed: two of the three waiters get one each, the third keeps waiting with nothing made.
        await _h.Client.DeleteAsync<V1Pod>("default", "a1");
        await _h.Client.DeleteAsync<V1Pod>("default", "a2");
        string[] served = [];
        await AddressingHarness.WaitUntilAsync(async () =>
        {
            var pods = await Task.WhenAll(new[] { "w1", "w2", "w3" }.Select(n => _h.GetPodAsync("default", n)));
            served = pods.Where(p => p.Metadata?.Annotations?.GetValueOrDefault("ovn.kubernetes.io/allocated") == "true").Select(p => p.Metadata!.Name!).ToArray();
            return served.Length == 2;
        }, TimeSpan.FromSeconds(30), "two waiting pods addressed");
        var left = new[] { "w1", "w2", "w3" }.Except(served).Single();
        Assert.Null(await _h.GetIpAsync($"{left}.default"));
        Assert.Null(await _h.LspColumnAsync($"{left}.default", "name"));
        Assert.Equal(2, _h.Context!.Ipam.FindSubnet("tiny")!.Allocations().Count);
    }

    [Fact]
    public async Task ShrinkingExcludeIpsServesTheWaitingPod()
    {
        var onTiny = new Dictionary<string, string> { ["ovn.kubernetes.io/logical_switch"] = "tiny" };
        foreach (var name in new[] { "b1", "b2" })
        {
            await _h.Client.CreateAsync(KubeTestObjects.Pod("default", name, annotations: new(onTiny)));
            await _h.WaitAddressedAsync("default", name);
        }

        await _h.Client.CreateAsync(KubeTestObjects.Pod("default", "b3", annotations: new(onTiny)));
        await EventsAsync.WaitForWarningAsync(_h.Client, "default", "b3", "tiny");

        // The subnet grows (fewer exclusions): the waiting pod gets the lowest address now free.
        var subnet = await _h.Client.GetAsync<V1Subnet>(null, "tiny");
        subnet.Spec!.ExcludeIps = ["10.99.0.3..10.99.0.4"];
        await _h.Client.ReplaceAsync(subnet);
        var addressed = await _h.WaitAddressedAsync("default", "b3", TimeSpan.FromSeconds(30));
        Assert.Equal("10.99.0.2", addressed.Metadata!.Annotations!["ovn.kubernetes.io/ip_address"]);
    }
}
