using VmNet.Addressing;
using VmNet.Ipam;

namespace VmNet.Tests.Addressing;

public sealed class AllocationAnnotationsTests
{
    private static readonly Allocation DualStack = new(
        "ovn-default", "vm1.default", "default/vm1", IpAddr.Parse("10.16.0.7", "t"), IpAddr.Parse("fd00::7", "t"), MacAddress.Parse("02:00:00:00:00:07", "t"), "", "VirtualMachine");

    private static readonly SubnetAddressing Subnet = new("ovn-default", "10.16.0.0/16,fd00::/112", "10.16.0.1,fd00::1", "ovn-cluster");

    [Fact]
    public void WritesKubeOvnKeysAndValues()
    {
        var desired = AllocationAnnotations.Build(DualStack, Subnet, null, "vm1", routed: true);
        Assert.Equal("10.16.0.7,fd00::7", desired["ovn.kubernetes.io/ip_address"]);
        Assert.Equal("02:00:00:00:00:07", desired["ovn.kubernetes.io/mac_address"]);
        Assert.Equal("10.16.0.0/16,fd00::/112", desired["ovn.kubernetes.io/cidr"]);
        Assert.Equal("10.16.0.1,fd00::1", desired["ovn.kubernetes.io/gateway"]);
        Assert.Equal("ovn-default", desired["ovn.kubernetes.io/logical_switch"]);
        Assert.Equal("veth-pair", desired["ovn.kubernetes.io/pod_nic_type"]);
        Assert.Equal("true", desired["ovn.kubernetes.io/allocated"]);
        Assert.Equal("ovn-cluster", desired["ovn.kubernetes.io/logical_router"]);
        Assert.Equal("vm1", desired["ovn.kubernetes.io/virtualmachine"]);
        Assert.Equal("true", desired["ovn.kubernetes.io/routed"]);
    }

    [Fact]
    public void KeepsAnExistingNicTypeAndOmitsRoutedUntilBound()
    {
        var current = new Dictionary<string, string> { ["ovn.kubernetes.io/pod_nic_type"] = "internal-port" };
        var desired = AllocationAnnotations.Build(DualStack, Subnet, current, null, routed: false);
        Assert.False(desired.ContainsKey("ovn.kubernetes.io/pod_nic_type"));
        Assert.False(desired.ContainsKey("ovn.kubernetes.io/routed"));
        Assert.False(desired.ContainsKey("ovn.kubernetes.io/virtualmachine"));
    }

    [Fact]
    public void DiffIsEmptyOnceApplied()
    {
        var desired = AllocationAnnotations.Build(DualStack, Subnet, null, "vm1", routed: true);
        var applied = desired.ToDictionary(p => p.Key, p => p.Value!);
        Assert.Empty(AllocationAnnotations.Diff(AllocationAnnotations.Build(DualStack, Subnet, applied, "vm1", routed: true), applied));
        applied["ovn.kubernetes.io/ip_address"] = "10.16.0.8";
        Assert.Equal(["ovn.kubernetes.io/ip_address"], AllocationAnnotations.Diff(desired, applied).Keys);
    }

    [Fact]
    public void PortAddressesListMacThenAddresses()
    {
        Assert.Equal("02:00:00:00:00:07 10.16.0.7 fd00::7", PortAddresses.Addresses(DualStack));
        Assert.Equal(["02:00:00:00:00:07 10.16.0.7 fd00::7"], PortAddresses.PortSecurity(DualStack, requested: true));
        Assert.Empty(PortAddresses.PortSecurity(DualStack, requested: false));
    }

    [Fact]
    public void IpCrLabelsMatchKubeOvn()
    {
        var labels = IpCrLabels.For("ovn-default", "node-1", IpCrLabels.PodOwner);
        Assert.Equal("ovn-default", labels["ovn.kubernetes.io/subnet"]);
        Assert.Equal(string.Empty, labels["ovn-default"]);
        Assert.Equal("node-1", labels["ovn.kubernetes.io/node-name"]);
        Assert.Equal("false", labels["ovn.kubernetes.io/ip_reserved"]);
        Assert.False(IpCrLabels.For("s", null, IpCrLabels.PodOwner).ContainsKey("ovn.kubernetes.io/node-name"));
    }
}
