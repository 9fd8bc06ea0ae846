using VmNet.Controller.Tests.Addressing;
using VmNet.Kube;
using VmNet.Kube.Models;
using VmNet.Multus;

namespace VmNet.Controller.Tests.Attachments;

public sealed class AttachmentTests : IAsyncLifetime
{
    private const string Ns = "default";
    private AttachmentHarness _h = null!;

    public async Task InitializeAsync()
    {
        _h = await AttachmentHarness.StartAsync();
        await _h.Client.CreateAsync(AttachmentHarness.Subnet("sub-a", "10.101.0.0/24", "atta.default.ovn"));
        await _h.Client.CreateAsync(AttachmentHarness.Subnet("sub-b", "10.102.0.0/24", "attb.default.ovn"));
        await _h.Client.CreateAsync(AttachmentHarness.Subnet("sub-m", "10.103.0.0/24", "mv.default"));
        await _h.Client.CreateAsync(AttachmentHarness.Nad(Ns, "atta", AttachmentHarness.OvnConfig(Ns, "atta")));
        await _h.Client.CreateAsync(AttachmentHarness.Nad(Ns, "attb", AttachmentHarness.OvnConfig(Ns, "attb")));
        await _h.Client.CreateAsync(AttachmentHarness.Nad(Ns, "mv", """{"cniVersion":"0.3.1","type":"macvlan","master":"eth0","ipam":{"type":"kube-ovn","provider":"mv.default"}}"""));
        await _h.Client.CreateAsync(AttachmentHarness.Nad(Ns, "broken", """{"type":"kube-ovn", """));
        await _h.Client.CreateAsync(AttachmentHarness.Nad(Ns, "nosubnet", AttachmentHarness.OvnConfig(Ns, "nosubnet")));
    }

    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task TwoSubnetsAndTwoNicsInOneSubnetGetTheirOwnAddressesPortsAndAnnotations()
    {
        await _h.Client.CreateAsync(KubeTestObjects.Pod(Ns, "p1", annotations: new()
        {
            [MultusAnnotations.Networks] = "atta,attb@n1,attb@n2",
            ["attb.default.kubernetes.io/ip_address.n2"] = "10.102.0.50",
            ["atta.default.ovn.kubernetes.io/default_route"] = "true",
        }));
        var pod = await _h.WaitAllocatedAsync(Ns, "p1", "atta.default.ovn", "attb.default.ovn.n1", "attb.default.ovn.n2");
        var a = pod.Metadata!.Annotations!;

        Assert.Equal("sub-a", a["atta.default.ovn.kubernetes.io/logical_switch"]);
        Assert.Equal("10.101.0.0/24", a["atta.default.ovn.kubernetes.io/cidr"]);
        Assert.Equal("10.101.0.1", a["atta.default.ovn.kubernetes.io/gateway"]);
        Assert.Equal("sub-b", a["attb.default.ovn.n1.kubernetes.io/logical_switch"]);
        Assert.Equal("10.102.0.50", a["attb.default.ovn.n2.kubernetes.io/ip_address"]);
        Assert.StartsWith("10.102.0.", a["attb.default.ovn.n1.kubernetes.io/ip_address"], StringComparison.Ordinal);
        Assert.NotEqual(a["attb.default.ovn.n1.kubernetes.io/mac_address"], a["attb.default.ovn.n2.kubernetes.io/mac_address"]);
        // Only the chosen NIC carries the default route; the primary loses it.
        Assert.Equal("false", a["ovn.kubernetes.io/default_route"]);
        Assert.Equal("false", a["attb.default.ovn.n1.kubernetes.io/default_route"]);
        Assert.Equal("true", a["atta.default.ovn.kubernetes.io/default_route"]);

        foreach (var (provider, subnet) in new[] { ("atta.default.ovn", "sub-a"), ("attb.default.ovn.n1", "sub-b"), ("attb.default.ovn.n2", "sub-b") })
        {
            var name = $"p1.default.{provider}";
            var ip = await _h.GetIpAsync(name);
            Assert.NotNull(ip);
            Assert.Equal(subnet, ip!.Spec!.Subnet);
            Assert.Equal("p1", ip.Spec.PodName);
            Assert.Equal(a[$"{provider}.kubernetes.io/ip_address"], ip.Spec.IpAddress);
            Assert.Equal(a[$"{provider}.kubernetes.io/mac_address"], ip.Spec.MacAddress);
            Assert.Equal(string.Empty, ip.Metadata!.Labels![subnet]);
            var addresses = await _h.LspColumnAsync(name, "addresses");
            Assert.Equal($"[\"{a[$"{provider}.kubernetes.io/mac_address"]} {a[$"{provider}.kubernetes.io/ip_address"]}\"]", addresses);
            var ports = await _h.NbctlAsync("lsp-list", subnet);
            Assert.Contains(name, ports, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task IpamOnlyAttachmentGetsAnAddressButNoPort()
    {
        await _h.Client.CreateAsync(KubeTestObjects.Pod(Ns, "p2", annotations: new() { [MultusAnnotations.Networks] = "mv" }));
        var pod = await _h.WaitAllocatedAsync(Ns, "p2", "mv.default");
        var a = pod.Metadata!.Annotations!;
        Assert.StartsWith("10.103.0.", a["mv.default.kubernetes.io/ip_address"], StringComparison.Ordinal);
        // Kube-OVN writes logical_switch only for OVN subnets (sub-m's provider is the IPAM-only mv.default).
        Assert.False(a.ContainsKey("mv.default.kubernetes.io/logical_switch"));
        Assert.Equal("10.103.0.0/24", a["mv.default.kubernetes.io/cidr"]);
        Assert.Equal("10.103.0.1", a["mv.default.kubernetes.io/gateway"]);
        Assert.False(a.ContainsKey("mv.default.kubernetes.io/pod_nic_type"));
        Assert.False(a.ContainsKey("mv.default.kubernetes.io/routed"));
        Assert.NotNull(await _h.GetIpAsync("p2.default.mv.default"));
        Assert.Null(await _h.LspColumnAsync("p2.default.mv.default", "name"));
    }

    [Fact]
    public async Task IpamOnlyAttachmentServedByAnOvnSubnetTheUserChoseKeepsLogicalSwitch()
    {
        await _h.Client.CreateAsync(KubeTestObjects.Pod(Ns, "p2b", annotations: new()
        {
            [MultusAnnotations.Networks] = "mv",
            ["mv.default.kubernetes.io/logical_switch"] = "sub-a",
        }));
        var pod = await _h.WaitAllocatedAsync(Ns, "p2b", "mv.default");
        var a = pod.Metadata!.Annotations!;
        Assert.StartsWith("10.101.0.", a["mv.default.kubernetes.io/ip_address"], StringComparison.Ordinal);
        Assert.Equal("sub-a", a["mv.default.kubernetes.io/logical_switch"]);
        Assert.Null(await _h.LspColumnAsync("p2b.default.mv.default", "name"));
        Assert.Equal("sub-a", (await _h.GetIpAsync("p2b.default.mv.default"))!.Spec!.Subnet);
    }

    [Fact]
    public async Task DeletingThePodReleasesEveryAttachment()
    {
        await _h.Client.CreateAsync(KubeTestObjects.Pod(Ns, "p3", annotations: new() { [MultusAnnotations.Networks] = "atta,attb" }));
        await _h.WaitAllocatedAsync(Ns, "p3", "atta.default.ovn", "attb.default.ovn");
        Assert.NotNull(await _h.LspColumnAsync("p3.default.atta.default.ovn", "name"));
        await _h.Client.DeleteAsync<V1Pod>(Ns, "p3");
        await AddressingHarness.WaitUntilAsync(async () =>
            await _h.GetIpAsync("p3.default.atta.default.ovn") is null && await _h.GetIpAsync("p3.default.attb.default.ovn") is null
            && await _h.LspColumnAsync("p3.default.atta.default.ovn", "name") is null && await _h.LspColumnAsync("p3.default.attb.default.ovn", "name") is null,
            TimeSpan.FromSeconds(20), "attachments of p3 released");
        Assert.Null(_h.Context!.Ipam.FindByNic("p3.default.atta.default.ovn"));
    }

    [Fact]
    public async Task UnselectingAnAttachmentReleasesItAndStripsItsKeys()
    {
        await _h.Client.CreateAsync(KubeTestObjects.Pod(Ns, "p4", annotations: new() { [MultusAnnotations.Networks] = "atta,attb" }));
        await _h.WaitAllocatedAsync(Ns, "p4", "atta.default.ovn", "attb.default.ovn");
        await _h.Client.PatchAsync<V1Pod>(Ns, "p4", KubePatch.Merge(new System.Text.Json.Nodes.JsonObject { ["metadata"] = new System.Text.Json.Nodes.JsonObject { ["annotations"] = new System.Text.Json.Nodes.JsonObject { [MultusAnnotations.Networks] = "atta" } } }));
        await AddressingHarness.WaitUntilAsync(async () =>
        {
            var pod = await _h.Client.GetAsync<V1Pod>(Ns, "p4");
            return !pod.Metadata!.Annotations!.Keys.Any(k => k.StartsWith("attb.default.ovn.", StringComparison.Ordinal))
                && await _h.GetIpAsync("p4.default.attb.default.ovn") is null && await _h.LspColumnAsync("p4.default.attb.default.ovn", "name") is null;
        }, TimeSpan.FromSeconds(20), "attb unplugged");
        Assert.NotNull(await _h.GetIpAsync("p4.default.atta.default.ovn"));
    }

    [Theory]
    [InlineData("atta,broken", "is not valid JSON")]
    [InlineData("atta,missing", "does not exist")]
    [InlineData("atta,nosubnet", "provider nosubnet.default.ovn is not bound to any subnet")]
    [InlineData("""[{"name":"atta","default-route":["10.101.0.1"]},{"name":"attb","default-route":["10.102.0.1"]}]""", "more than one NIC")]
    [InlineData("""[{"name":"atta"},{"name":"attb","ips":["10.101.0.9"]}]""", "outside the attachment's subnet sub-b")]
    public async Task BadInputIsAnEventAndNoNicIsSetUp(string networks, string problem)
    {
        var name = "bad-" + Guid.NewGuid().ToString("N")[..6];
        await _h.Client.CreateAsync(KubeTestObjects.Pod(Ns, name, annotations: new() { [MultusAnnotations.Networks] = networks }));
        var message = await EventsAsync.WaitForWarningAsync(_h.Client, Ns, name, problem);
        Assert.Contains("AttachNetworkFailed", message, StringComparison.Ordinal);
        Assert.Null(await _h.GetIpAsync($"{name}.default.atta.default.ovn"));
        Assert.Null(await _h.LspColumnAsync($"{name}.default.atta.default.ovn", "name"));
        Assert.Null(_h.Context!.Ipam.FindByNic($"{name}.default.atta.default.ovn"));
        var pod = await _h.Client.GetAsync<V1Pod>(Ns, name);
        Assert.DoesNotContain(pod.Metadata!.Annotations!.Keys, k => k.StartsWith("atta.default.ovn.kubernetes.io/allocated", StringComparison.Ordinal));
    }

    [Fact]
    public async Task KeepVmIpHoldsEveryNicOfAVmUntilTheVmIsDeleted()
    {
        var template = new Dictionary<string, string> { [MultusAnnotations.Networks] = "atta,attb" };
        await _h.Client.CreateAsync(KubeTestObjects.Vm(Ns, "vm1", template));
        await _h.StartVmAsync(Ns, "vm1", "virt-launcher-vm1-a", template);
        var first = await _h.WaitAllocatedAsync(Ns, "virt-launcher-vm1-a", "atta.default.ovn", "attb.default.ovn");
        var ipA = first.Metadata!.Annotations!["atta.default.ovn.kubernetes.io/ip_address"];
        var ipB = first.Metadata!.Annotations!["attb.default.ovn.kubernetes.io/ip_address"];
        Assert.Equal("vm1", first.Metadata.Annotations["atta.default.ovn.kubernetes.io/virtualmachine"]);
        var cr = await _h.GetIpAsync("vm1.default.atta.default.ovn");
        Assert.Equal("vm1", cr!.Spec!.PodName);
        Assert.Equal("VirtualMachine", cr.Spec.PodType);

        // Stop (VMI and launcher gone, VM kept) and start again: same addresses on every NIC.
        await _h.Client.DeleteAsync<V1Pod>(Ns, "virt-launcher-vm1-a");
        await _h.StopVmAsync(Ns, "vm1");
        await Task.Delay(500);
        Assert.NotNull(await _h.GetIpAsync("vm1.default.atta.default.ovn"));
        Assert.NotNull(await _h.GetIpAsync("vm1.default.attb.default.ovn"));
        await _h.StartVmAsync(Ns, "vm1", "virt-launcher-vm1-b", template);
        var second = await _h.WaitAllocatedAsync(Ns, "virt-launcher-vm1-b", "atta.default.ovn", "attb.default.ovn");
        Assert.Equal(ipA, second.Metadata!.Annotations!["atta.default.ovn.kubernetes.io/ip_address"]);
        Assert.Equal(ipB, second.Metadata.Annotations["attb.default.ovn.kubernetes.io/ip_address"]);

        // Deleting the VM releases all its NICs.
        await _h.Client.DeleteAsync<V1Pod>(Ns, "virt-launcher-vm1-b");
        await _h.StopVmAsync(Ns, "vm1");
        await _h.Client.DeleteAsync<V1VirtualMachine>(Ns, "vm1");
        await AddressingHarness.WaitUntilAsync(async () =>
            await _h.GetIpAsync("vm1.default.atta.default.ovn") is null && await _h.GetIpAsync("vm1.default.attb.default.ovn") is null
            && await _h.LspColumnAsync("vm1.default.atta.default.ovn", "name") is null,
            TimeSpan.FromSeconds(20), "vm1 attachments released");
    }
    [Fact]
    public async Task AStoppedVmLosesTheAttachmentsItsTemplateNoLongerSelectsAndKeepsTheOthers()
    {
        var launcherNetworks = new Dictionary<string, string> { [MultusAnnotations.Networks] = "atta,attb,mv" };
        var vmObject = KubeTestObjects.Vm(Ns, "vm2", new Dictionary<string, string> { [MultusAnnotations.Networks] = "atta,attb" });
        // The IPAM-only NAD comes through spec.networks, as KubeVirt users write it.
        vmObject.Spec!.Template!.Spec!.Networks = [new V1Network { Name = "mv", Multus = new V1MultusNetwork { NetworkName = "default/mv" } }];
        await _h.Client.CreateAsync(vmObject);
        await _h.StartVmAsync(Ns, "vm2", "virt-launcher-vm2-a", launcherNetworks);
        var first = (await _h.WaitAllocatedAsync(Ns, "virt-launcher-vm2-a", "atta.default.ovn", "attb.default.ovn", "mv.default")).Metadata!.Annotations!;

        // Template edited while running: nothing changes until the launcher goes.
        await PatchVmAsync("vm2", new System.Text.Json.Nodes.JsonObject { ["metadata"] = new System.Text.Json.Nodes.JsonObject { ["annotations"] = new System.Text.Json.Nodes.JsonObject { [MultusAnnotations.Networks] = "atta" } } });
        await Task.Delay(500);
        Assert.NotNull(await _h.GetIpAsync("vm2.default.attb.default.ovn"));

        // Stopped: the attachment the template dropped goes (CR, port, IPAM); the others stay.
        await _h.Client.DeleteAsync<V1Pod>(Ns, "virt-launcher-vm2-a");
        await _h.StopVmAsync(Ns, "vm2");
        await AddressingHarness.WaitUntilAsync(async () =>
            await _h.GetIpAsync("vm2.default.attb.default.ovn") is null && await _h.LspColumnAsync("vm2.default.attb.default.ovn", "name") is null
            && _h.Context!.Ipam.FindByNic("vm2.default.attb.default.ovn") is null,
            TimeSpan.FromSeconds(20), "attb of stopped vm2 released");
        Assert.NotNull(await _h.GetIpAsync("vm2.default.atta.default.ovn"));
        Assert.NotNull(await _h.LspColumnAsync("vm2.default.atta.default.ovn", "name"));
        Assert.NotNull(await _h.GetIpAsync("vm2.default.mv.default"));

        // Still stopped, spec.networks loses the IPAM-only NAD: it goes too.
        await PatchVmAsync("vm2", new System.Text.Json.Nodes.JsonObject { ["spec"] = new System.Text.Json.Nodes.JsonObject { ["networks"] = new System.Text.Json.Nodes.JsonArray() } });
        await AddressingHarness.WaitUntilAsync(async () => await _h.GetIpAsync("vm2.default.mv.default") is null, TimeSpan.FromSeconds(20), "mv of stopped vm2 released");
        Assert.NotNull(await _h.GetIpAsync("vm2.default.atta.default.ovn"));

        // Started with the new template: the kept NIC has its old address and MAC.
        await _h.StartVmAsync(Ns, "vm2", "virt-launcher-vm2-b", new Dictionary<string, string> { [MultusAnnotations.Networks] = "atta" });
        var second = (await _h.WaitAllocatedAsync(Ns, "virt-launcher-vm2-b", "atta.default.ovn")).Metadata!.Annotations!;
        Assert.Equal(first["atta.default.ovn.kubernetes.io/ip_address"], second["atta.default.ovn.kubernetes.io/ip_address"]);
        Assert.Equal(first["atta.default.ovn.kubernetes.io/mac_address"], second["atta.default.ovn.kubernetes.io/mac_address"]);
        Assert.False(second.ContainsKey("attb.default.ovn.kubernetes.io/allocated"));
    }

    private Task PatchVmAsync(string vm, System.Text.Json.Nodes.JsonObject template) =>
        _h.Client.PatchAsync<V1VirtualMachine>(Ns, vm, KubePatch.Merge(new System.Text.Json.Nodes.JsonObject { ["spec"] = new System.Text.Json.Nodes.JsonObject { ["template"] = template } }));

    [Fact]
    public async Task DefaultNetworkNadReplacesTheImplicitOvnNetwork()
    {
        await _h.Client.CreateAsync(KubeTestObjects.Pod(Ns, "p5", annotations: new() { [MultusAnnotations.DefaultNetwork] = "default/atta", [MultusAnnotations.Networks] = "attb" }));
        var pod = await _h.WaitAllocatedAsync(Ns, "p5", "atta.default.ovn", "attb.default.ovn");
        var a = pod.Metadata!.Annotations!;
        Assert.Equal("true", a["atta.default.ovn.kubernetes.io/default_route"]);
        Assert.Equal("false", a["attb.default.ovn.kubernetes.io/default_route"]);
        await Task.Delay(500);
        pod = await _h.Client.GetAsync<V1Pod>(Ns, "p5");
        Assert.False(pod.Metadata!.Annotations!.ContainsKey("ovn.kubernetes.io/allocated"));
        Assert.Null(await _h.GetIpAsync("p5.default"));
        Assert.Null(await _h.LspColumnAsync("p5.default", "name"));
    }
}
