using System.Text.Json.Nodes;
using VmNet.Sandbox.Demo;

namespace VmNet.E2E.Demo;

/// <summary>The demo's pure parts (no processes): argument parsing and reading the controller's NIC annotations.</summary>
public sealed class DemoPartsTests
{
    [Theory]
    [InlineData("demo", new string[0], false, "auto")]
    [InlineData("demo", new[] { "--guests=netns" }, false, "netns")]
    [InlineData("serve", new[] { "--guests=QEMU" }, true, "qemu")]
    public void OptionsParseCommandAndGuests(string command, string[] arguments, bool keepRunning, string guests)
    {
        var options = DemoOptions.Parse(command, arguments, environmentGuests: null);

        Assert.Equal(keepRunning, options.KeepRunning);
        Assert.Equal(guests, options.Guests);
    }

    [Fact]
    public void OptionsTakeTheEnvironmentUnlessAnArgumentOverridesIt()
    {
        Assert.Equal("netns", DemoOptions.Parse("demo", [], environmentGuests: "netns").Guests);
        Assert.Equal("qemu", DemoOptions.Parse("demo", ["--guests=qemu"], environmentGuests: "netns").Guests);
    }

    [Fact]
    public void BadGuestsAndUnknownArgumentsAreNamed()
    {
        var guests = Assert.Throws<ArgumentException>(() => DemoOptions.Parse("demo", ["--guests=kvm"], environmentGuests: null));
        Assert.Contains("'kvm'", guests.Message, StringComparison.Ordinal);
        var unknown = Assert.Throws<ArgumentException>(() => DemoOptions.Parse("demo", ["--fast"], environmentGuests: null));
        Assert.Contains("'--fast'", unknown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NicAddressesWaitForEveryNicThenNameTheirPorts()
    {
        var secondary = new[] { new SecondaryNetwork("storage", "storage", "vmnet-demo", "net1") };
        var pod = JsonNode.Parse("""
            {"metadata":{"namespace":"vmnet-demo","annotations":{
              "ovn.kubernetes.io/allocated":"true","ovn.kubernetes.io/ip_address":"10.100.0.10","ovn.kubernetes.io/mac_address":"0a:58:0a:64:00:0a",
              "ovn.kubernetes.io/cidr":"10.100.0.0/24","ovn.kubernetes.io/gateway":"10.100.0.1","ovn.kubernetes.io/logical_switch":"demo-vms"}}}
            """)!;

        Assert.Null(NicAddress.AllOf(pod, "vm-multi-nic", secondary));

        var annotations = pod["metadata"]!["annotations"]!.AsObject();
        annotations["storage.vmnet-demo.ovn.kubernetes.io/allocated"] = "true";
        annotations["storage.vmnet-demo.ovn.kubernetes.io/ip_address"] = "10.101.0.20";
        annotations["storage.vmnet-demo.ovn.kubernetes.io/mac_address"] = "0a:58:0a:65:00:14";
        annotations["storage.vmnet-demo.ovn.kubernetes.io/cidr"] = "10.101.0.0/24";
        var nics = NicAddress.AllOf(pod, "vm-multi-nic", secondary);

        Assert.NotNull(nics);
        Assert.Collection(
            nics,
            eth0 =>
            {
                Assert.Equal(("eth0", "vm-multi-nic.vmnet-demo", "10.100.0.10/24", "10.100.0.1"), (eth0.Interface, eth0.LogicalPort, eth0.IpCidr, eth0.Gateway));
                Assert.True(eth0.IsDefault);
            },
            net1 =>
            {
                Assert.Equal(("net1", "vm-multi-nic.vmnet-demo.storage.vmnet-demo.ovn", "10.101.0.20/24"), (net1.Interface, net1.LogicalPort, net1.IpCidr));
                Assert.False(net1.IsDefault);
            });
    }
}
