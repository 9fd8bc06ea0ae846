using VmNet.Kube;
using VmNet.Kube.Models;

namespace VmNet.Controller.Tests.Addressing;

/// <summary>
/// KubeVirt with keep-vm-ip, as strict as Kube-OVN's kubevirt e2e (facts §13.1) plus the MAC it forgets:
/// launcher pods are owned by the VMI, the VMI by the VM; stopping the VM deletes the VMI (and so its pod).
/// </summary>
public sealed class VmAddressingTests : IAsyncLifetime
{
    private AddressingHarness _h = null!;

    public async Task InitializeAsync()
    {
        _h = await AddressingHarness.StartAsync();
        await _h.StartControllerAsync();
    }

    public async Task DisposeAsync() => await _h.DisposeAsync();

    private async Task<(string Ip, string Mac)> AddressOfAsync(string ns, string launcher)
    {
        var pod = await _h.WaitAddressedAsync(ns, launcher);
        var a = pod.Metadata!.Annotations!;
        return (a["ovn.kubernetes.io/ip_address"], a["ovn.kubernetes.io/mac_address"]);
    }

    [Fact]
    public async Task LauncherPodIsAddressedUnderTheVmName()
    {
        await _h.Client.CreateAsync(KubeTestObjects.Vm("default", "vm1"));
        await _h.StartVmAsync("default", "vm1", "virt-launcher-vm1-abcde");
        var pod = await _h.WaitAddressedAsync("default", "virt-launcher-vm1-abcde");
        Assert.Equal("vm1", pod.Metadata!.Annotations!["ovn.kubernetes.io/virtualmachine"]);
        var ip = await _h.GetIpAsync("vm1.default");
        Assert.NotNull(ip);
        Assert.Equal("vm1", ip.Spec!.PodName);
        Assert.Equal("VirtualMachine", ip.Spec.PodType);
        Assert.Equal(pod.Metadata.Annotations["ovn.kubernetes.io/ip_address"], ip.Spec.IpAddress);
        Assert.Null(await _h.GetIpAsync("virt-launcher-vm1-abcde.default"));
        Assert.Equal("\"default/vm1\"", await _h.NbctlAsync("get", "Logical_Switch_Port", "vm1.default", "external_ids:pod"));
        Assert.Equal("VirtualMachine", (await _h.NbctlAsync("get", "Logical_Switch_Port", "vm1.default", "external_ids:\"vmnet.io/owner-kind\"")).Trim('"'));
    }

    [Fact]
    public async Task LauncherPodDeletionKeepsIpAndMac()
    {
        await _h.Client.CreateAsync(KubeTestObjects.Vm("default", "vm2"));
        await _h.StartVmAsync("default", "vm2", "virt-launcher-vm2-aaaaa");
        var first = await AddressOfAsync("default", "virt-launcher-vm2-aaaaa");
        await _h.Client.DeleteAsync<V1Pod>("default", "virt-launcher-vm2-aaaaa");
        await Task.Delay(300);
        Assert.NotNull(await _h.GetIpAsync("vm2.default"));
        Assert.NotNull(await _h.LspColumnAsync("vm2.default", "name"));

        // KubeVirt re-creates the launcher of the same VMI (no MAC annotation on it).
        var vmi = await _h.Client.GetAsync<V1VirtualMachineInstance>("default", "vm2");
        await _h.Client.CreateAsync(KubeTestObjects.Launcher("default", "vm2", "virt-launcher-vm2-bbbbb", vmiUid: vmi.Metadata!.Uid));
        Assert.Equal(first, await AddressOfAsync("default", "virt-launcher-vm2-bbbbb"));
    }

    [Fact]
    public async Task VmRestartKeepsIpCrSpecIpAndMac()
    {
        await _h.Client.CreateAsync(KubeTestObjects.Vm("default", "vm3"));
        await _h.StartVmAsync("default", "vm3", "virt-launcher-vm3-aaaaa");
        var first = await AddressOfAsync("default", "virt-launcher-vm3-aaaaa");
        var specBefore = (await _h.GetIpAsync("vm3.default"))!.Spec!;

        await _h.StopVmAsync("default", "vm3");
        await AddressingHarness.WaitUntilAsync(async () => (await _h.Client.ListAsync<V1Pod>("default")).Items.All(p => p.Metadata!.Name != "virt-launcher-vm3-aaaaa"), what: "launcher gone");
        await Task.Delay(300);
        var stopped = await _h.GetIpAsync("vm3.default");
        Assert.NotNull(stopped);
        Assert.Null(stopped.Metadata!.DeletionTimestamp);

        // Another pod must not get the stopped VM's address.
        await _h.Client.CreateAsync(KubeTestObjects.Pod("default", "bystander"));
        var bystander = await _h.WaitAddressedAsync("default", "bystander");
        Assert.NotEqual(first.Ip, bystander.Metadata!.Annotations!["ovn.kubernetes.io/ip_address"]);

        await _h.StartVmAsync("default", "vm3", "virt-launcher-vm3-bbbbb");
        Assert.Equal(first, await AddressOfAsync("default", "virt-launcher-vm3-bbbbb"));
        var specAfter = (await _h.GetIpAsync("vm3.default"))!.Spec!;
        Assert.Equal((specBefore.IpAddress, specBefore.MacAddress, specBefore.Subnet, specBefore.PodName, specBefore.PodType), (specAfter.IpAddress, specAfter.MacAddress, specAfter.Subnet, specAfter.PodName, specAfter.PodType));
    }

    [Fact]
    public async Task VmRestartAfterControllerRestartKeepsIpAndMac()
    {
        await _h.Client.CreateAsync(KubeTestObjects.Vm("default", "vm4"));
        await _h.StartVmAsync("default", "vm4", "virt-launcher-vm4-aaaaa");
        var first = await AddressOfAsync("default", "virt-launcher-vm4-aaaaa");
        await _h.StopVmAsync("default", "vm4");
        await _h.StopControllerAsync();
        await _h.StartControllerAsync();
        await _h.StartVmAsync("default", "vm4", "virt-launcher-vm4-bbbbb");
        Assert.Equal(first, await AddressOfAsync("default", "virt-launcher-vm4-bbbbb"));
    }

    [Fact]
    public async Task VmDeletionReleasesIpCrPortAndAddress()
    {
        await _h.Client.CreateAsync(KubeTestObjects.Vm("default", "vm5"));
        await _h.StartVmAsync("default", "vm5", "virt-launcher-vm5-aaaaa");
        await AddressOfAsync("default", "virt-launcher-vm5-aaaaa");
        await _h.StopVmAsync("default", "vm5");
        await Task.Delay(200);
        Assert.NotNull(await _h.GetIpAsync("vm5.default"));

        // Stop, later delete: no pod event happens, the VM informer's delete releases (Kube-OVN #5367).
        await _h.Client.DeleteAsync<V1VirtualMachine>("default", "vm5");
        await AddressingHarness.WaitUntilAsync(async () => await _h.GetIpAsync("vm5.default") is null, what: "IP CR gone");
        await AddressingHarness.WaitUntilAsync(async () => await _h.LspColumnAsync("vm5.default", "name") is null, what: "LSP gone");
        await AddressingHarness.WaitUntilAsync(() => Task.FromResult(_h.Context!.Ipam.FindByNic("vm5.default") is null), what: "IPAM free");
    }

    [Fact]
    public async Task RunningVmDeletionReleasesEverything()
    {
        await _h.Client.CreateAsync(KubeTestObjects.Vm("default", "vm6"));
        await _h.StartVmAsync("default", "vm6", "virt-launcher-vm6-aaaaa");
        await AddressOfAsync("default", "virt-launcher-vm6-aaaaa");
        await _h.Client.DeleteAsync<V1VirtualMachine>("default", "vm6", new V1DeleteOptions { PropagationPolicy = "Background" });
        await _h.StopVmAsync("default", "vm6");
        await AddressingHarness.WaitUntilAsync(async () => await _h.GetIpAsync("vm6.default") is null, what: "IP CR gone");
        await AddressingHarness.WaitUntilAsync(async () => await _h.LspColumnAsync("vm6.default", "name") is null, what: "LSP gone");
    }

    [Fact]
    public async Task SubnetChangeBeforeStopReallocatesInTheNewSubnet()
    {
        await _h.Client.CreateAsync(new V1Namespace { ApiVersion = "v1", Kind = "Namespace", Metadata = new V1ObjectMeta { Name = "vms" } });
        await _h.Client.CreateAsync(KubeTestObjects.Vm("vms", "vm7"));
        await _h.StartVmAsync("vms", "vm7", "virt-launcher-vm7-aaaaa");
        var first = await AddressOfAsync("vms", "virt-launcher-vm7-aaaaa");

        await _h.Client.CreateAsync(KubeTestObjects.Subnet("vms-net", "172.30.0.0/24", namespaces: ["vms"]));
        await AddressingHarness.WaitUntilAsync(() => Task.FromResult(_h.Context!.Ipam.FindSubnet("vms-net") is not null), what: "subnet registered");
        await _h.StopVmAsync("vms", "vm7");
        await AddressingHarness.WaitUntilAsync(async () => await _h.GetIpAsync("vm7.vms") is null, what: "old IP CR released on stop");

        await _h.StartVmAsync("vms", "vm7", "virt-launcher-vm7-bbbbb");
        var second = await AddressOfAsync("vms", "virt-launcher-vm7-bbbbb");
        Assert.NotEqual(first.Ip, second.Ip);
        Assert.StartsWith("172.30.0.", second.Ip);
        Assert.Equal("vms-net", (await _h.NbctlAsync("get", "Logical_Switch_Port", "vm7.vms", "external_ids:ls")).Trim('"'));
        Assert.Contains("vm7.vms", await _h.NbctlAsync("lsp-list", "vms-net"));
    }

    [Fact]
    public async Task SubnetChangeAfterStopAndIpCrDeletionReallocates()
    {
        await _h.Client.CreateAsync(new V1Namespace { ApiVersion = "v1", Kind = "Namespace", Metadata = new V1ObjectMeta { Name = "vms2" } });
        await _h.Client.CreateAsync(KubeTestObjects.Vm("vms2", "vm8"));
        await _h.StartVmAsync("vms2", "vm8", "virt-launcher-vm8-aaaaa");
        var first = await AddressOfAsync("vms2", "virt-launcher-vm8-aaaaa");
        await _h.StopVmAsync("vms2", "vm8");
        await _h.Client.DeleteAsync<V1IP>(null, "vm8.vms2");
        await AddressingHarness.WaitUntilAsync(async () => await _h.GetIpAsync("vm8.vms2") is null, what: "IP CR deleted");
        await _h.Client.CreateAsync(KubeTestObjects.Subnet("vms2-net", "172.31.0.0/24", namespaces: ["vms2"]));
        await AddressingHarness.WaitUntilAsync(() => Task.FromResult(_h.Context!.Ipam.FindSubnet("vms2-net") is not null), what: "subnet registered");

        await _h.StartVmAsync("vms2", "vm8", "virt-launcher-vm8-bbbbb");
        var second = await AddressOfAsync("vms2", "virt-launcher-vm8-bbbbb");
        Assert.NotEqual(first.Ip, second.Ip);
        Assert.Equal("vms2-net", (await _h.GetPodAsync("vms2", "virt-launcher-vm8-bbbbb")).Metadata!.Annotations!["ovn.kubernetes.io/logical_switch"]);
        Assert.Equal("vms2-net", (await _h.GetIpAsync("vm8.vms2"))!.Spec!.Subnet);
    }

    [Fact]
    public async Task TemplateStaticIpAndMacAreHonouredAndKept()
    {
        var template = new Dictionary<string, string> { ["ovn.kubernetes.io/ip_address"] = "10.16.100.10", ["ovn.kubernetes.io/mac_address"] = "02:00:00:00:10:10" };
        await _h.Client.CreateAsync(KubeTestObjects.Vm("default", "vm9", template));
        await _h.StartVmAsync("default", "vm9", "virt-launcher-vm9-aaaaa");
        Assert.Equal(("10.16.100.10", "02:00:00:00:10:10"), await AddressOfAsync("default", "virt-launcher-vm9-aaaaa"));
        await _h.StopVmAsync("default", "vm9");
        await _h.StartVmAsync("default", "vm9", "virt-launcher-vm9-bbbbb");
        Assert.Equal(("10.16.100.10", "02:00:00:00:10:10"), await AddressOfAsync("default", "virt-launcher-vm9-bbbbb"));
    }

    [Fact]
    public async Task SecondVmAskingForTheSameStaticIpGetsAWarningAndTheFirstKeepsIt()
    {
        var template = new Dictionary<string, string> { ["ovn.kubernetes.io/ip_address"] = "10.16.100.20" };
        await _h.Client.CreateAsync(KubeTestObjects.Vm("default", "vm-a", template));
        await _h.StartVmAsync("default", "vm-a", "virt-launcher-vm-a-aaaaa");
        Assert.Equal("10.16.100.20", (await AddressOfAsync("default", "virt-launcher-vm-a-aaaaa")).Ip);

        await _h.Client.CreateAsync(KubeTestObjects.Vm("default", "vm-b", template));
        await _h.StartVmAsync("default", "vm-b", "virt-launcher-vm-b-aaaaa");
        var events = await EventsAsync.WaitForWarningAsync(_h.Client, "default", "virt-launcher-vm-b-aaaaa", "10.16.100.20");
        Assert.Contains("ovn.kubernetes.io/ip_address", events);
        Assert.Contains("default/vm-a", events);
        Assert.NotNull(await EventsAsync.WaitForWarningAsync(_h.Client, "default", "vm-b", "10.16.100.20", kind: "VirtualMachine"));
        Assert.Null(await _h.GetIpAsync("vm-b.default"));
        Assert.Null(await _h.LspColumnAsync("vm-b.default", "name"));
        Assert.Equal("10.16.100.20", (await _h.GetIpAsync("vm-a.default"))!.Spec!.IpAddress);

        // Restarting the first VM does not lose its address to the second.
        await _h.StopVmAsync("default", "vm-a");
        await _h.StartVmAsync("default", "vm-a", "virt-launcher-vm-a-bbbbb");
        Assert.Equal("10.16.100.20", (await AddressOfAsync("default", "virt-launcher-vm-a-bbbbb")).Ip);
    }

    [Fact]
    public async Task MigrationTargetResolvesToTheSameIpAndMac()
    {
        await _h.Client.CreateAsync(KubeTestObjects.Vm("default", "vm10"));
        var vmi = await _h.StartVmAsync("default", "vm10", "virt-launcher-vm10-src");
        var source = await AddressOfAsync("default", "virt-launcher-vm10-src");
        await _h.Client.CreateAsync(KubeTestObjects.Launcher("default", "vm10", "virt-launcher-vm10-dst", "node-2",
            new() { ["kubevirt.io/migrationJobName"] = "mig-1", ["ovn.kubernetes.io/ip_address"] = source.Ip }, vmi.Metadata!.Uid));
        Assert.Equal(source, await AddressOfAsync("default", "virt-launcher-vm10-dst"));
        await AddressingHarness.WaitUntilAsync(async () => (await _h.GetIpAsync("vm10.default"))!.Spec!.NodeName == "node-2", what: "IP CR follows the target");

        // A change on the source launcher while the target lives must not pull the CR back to the source node.
        await _h.Client.PatchAsync<V1Pod>("default", "virt-launcher-vm10-src", KubePatch.Merge("{\"metadata\":{\"annotations\":{\"test/touch\":\"1\"}}}"));
        await Task.Delay(300);
        Assert.Equal("node-2", (await _h.GetIpAsync("vm10.default"))!.Spec!.NodeName);
        await _h.Client.DeleteAsync<V1Pod>("default", "virt-launcher-vm10-src");
        await Task.Delay(300);
        Assert.Equal(source.Ip, (await _h.GetIpAsync("vm10.default"))!.Spec!.IpAddress);
        Assert.Equal("node-2", (await _h.GetIpAsync("vm10.default"))!.Spec!.NodeName);
    }

    [Fact]
    public async Task GcNeverCollectsAStoppedVmButCollectsADeletedOnesLeftovers()
    {
        await _h.Client.CreateAsync(KubeTestObjects.Vm("default", "vm11"));
        await _h.StartVmAsync("default", "vm11", "virt-launcher-vm11-aaaaa");
        await AddressOfAsync("default", "virt-launcher-vm11-aaaaa");
        await _h.StopVmAsync("default", "vm11");
        var gc = _h.Module!.GarbageCollector!;
        await gc.RunPassAsync(CancellationToken.None);
        await gc.RunPassAsync(CancellationToken.None);
        await Task.Delay(200);
        Assert.NotNull(await _h.GetIpAsync("vm11.default"));

        // The controller is down while the VM is deleted: the GC finds the leftovers on its second pass.
        await _h.StopControllerAsync();
        await _h.Client.DeleteAsync<V1VirtualMachine>("default", "vm11");
        await _h.StartControllerAsync();
        gc = _h.Module!.GarbageCollector!;
        await AddressingHarness.WaitUntilAsync(async () =>
        {
            await gc.RunPassAsync(CancellationToken.None);
            return await _h.GetIpAsync("vm11.default") is null;
        }, what: "GC removed the deleted VM's IP CR");
        await AddressingHarness.WaitUntilAsync(async () => await _h.LspColumnAsync("vm11.default", "name") is null, what: "LSP gone");
    }

    [Fact]
    public async Task TemplateSubnetChangeWhileStoppedReleasesAndTheNextStartUsesTheNewSubnet()
    {
        await _h.Client.CreateAsync(KubeTestObjects.Subnet("tmpl-net", "172.28.0.0/24"));
        await AddressingHarness.WaitUntilAsync(() => Task.FromResult(_h.Context!.Ipam.FindSubnet("tmpl-net") is not null), what: "subnet registered");
        await _h.Client.CreateAsync(KubeTestObjects.Vm("default", "vm12"));
        await _h.StartVmAsync("default", "vm12", "virt-launcher-vm12-aaaaa");
        var first = await AddressOfAsync("default", "virt-launcher-vm12-aaaaa");
        await _h.StopVmAsync("default", "vm12");
        await Task.Delay(200);
        Assert.NotNull(await _h.GetIpAsync("vm12.default"));

        await _h.Client.PatchAsync<V1VirtualMachine>("default", "vm12", KubePatch.Merge(
            "{\"spec\":{\"template\":{\"metadata\":{\"annotations\":{\"ovn.kubernetes.io/logical_switch\":\"tmpl-net\"}}}}}"));
        await AddressingHarness.WaitUntilAsync(async () => await _h.GetIpAsync("vm12.default") is null, what: "old address released");
        // The IP CR goes first; IPAM is freed after its finalizer and the LSP, so this is eventual too.
        await AddressingHarness.WaitUntilAsync(() => Task.FromResult(_h.Context!.Ipam.FindByNic("vm12.default") is null), what: "old address freed in IPAM");

        await _h.StartVmAsync("default", "vm12", "virt-launcher-vm12-bbbbb");
        var second = await AddressOfAsync("default", "virt-launcher-vm12-bbbbb");
        Assert.StartsWith("172.28.0.", second.Ip);
        Assert.NotEqual(first.Ip, second.Ip);
        Assert.Equal("tmpl-net", (await _h.GetIpAsync("vm12.default"))!.Spec!.Subnet);
    }
}
