using VmNet.Controller.Hosting;
using VmNet.Controller.Subnets;
using VmNet.Kube.Models;

namespace VmNet.Controller.Tests.Topology;

public sealed class SubnetValidatorTests
{
    private static readonly ControllerOptions Options = new();

    private static V1Subnet Subnet(string name, string? cidr, string? gateway = null, List<string>? exclude = null, string? gatewayType = null, long? mtu = null, string? provider = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1SubnetSpec { CidrBlock = cidr, Gateway = gateway, ExcludeIps = exclude, GatewayType = gatewayType, Mtu = mtu, Provider = provider },
    };

    [Fact]
    public void FormatsLikeKubeOvn()
    {
        var subnet = Subnet("s", "10.1.2.3/16", exclude: ["10.1.9.0..10.1.9.9", "10.1.0.50"]);
        var validated = SubnetValidator.Validate(subnet, Options, _ => false);
        Assert.True(SubnetValidator.ApplyFormat(subnet.Spec!, validated, Options));
        Assert.Equal("10.1.0.0/16", subnet.Spec!.CidrBlock);
        Assert.Equal("10.1.0.1", subnet.Spec.Gateway);
        Assert.Equal(["10.1.0.1", "10.1.0.50", "10.1.9.0..10.1.9.9"], subnet.Spec.ExcludeIps);
        Assert.Equal("IPv4", subnet.Spec.Protocol);
        Assert.Equal("ovn", subnet.Spec.Provider);
        Assert.Equal("ovn-cluster", subnet.Spec.Vpc);
        Assert.Equal("distributed", subnet.Spec.GatewayType);
        Assert.True(subnet.Spec.EnableLb);
        Assert.Equal(["10.1.0.1/16"], validated.GatewayNetworks);

        // Formatting a formatted spec changes nothing.
        Assert.False(SubnetValidator.ApplyFormat(subnet.Spec, SubnetValidator.Validate(subnet, Options, _ => false), Options));
    }

    [Fact]
    public void IPv6OnlyAndJoinKeepEnableLbUnset()
    {
        var join = Subnet("join", "fd00:64::/112");
        var validated = SubnetValidator.Validate(join, Options, _ => false);
        SubnetValidator.ApplyFormat(join.Spec!, validated, Options);
        Assert.Equal("IPv6", join.Spec!.Protocol);
        Assert.Equal("fd00:64::1", join.Spec.Gateway);
        Assert.Null(join.Spec.EnableLb);
    }

    [Theory]
    [InlineData("", "spec.cidrBlock")]
    [InlineData("10.0.0.0/32", "spec.cidrBlock")]
    [InlineData("10.0.0.0/24,10.1.0.0/24", "spec.cidrBlock")]
    [InlineData("FD00::/64", "spec.cidrBlock")]
    public void BadCidrNamesTheField(string cidr, string field)
    {
        var ex = Assert.Throws<SubnetValidationException>(() => SubnetValidator.Validate(Subnet("s", cidr), Options, _ => false));
        Assert.Equal(field, ex.Field);
        Assert.Equal(cidr, ex.Value);
    }

    [Fact]
    public void GatewayMustBeUsableAddressInsideCidr()
    {
        var outside = Assert.Throws<SubnetValidationException>(() => SubnetValidator.Validate(Subnet("s", "10.0.0.0/24", "10.0.1.1"), Options, _ => false));
        Assert.Equal("spec.gateway", outside.Field);
        Assert.Equal("subnet s: spec.gateway \"10.0.1.1\" is not in cidr 10.0.0.0/24", outside.Message);
        var broadcast = Assert.Throws<SubnetValidationException>(() => SubnetValidator.Validate(Subnet("s", "10.0.0.0/24", "10.0.0.255"), Options, _ => false));
        Assert.Contains("broadcast", broadcast.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OtherFieldsAreChecked()
    {
        Assert.Equal("spec.excludeIps[1]", Assert.Throws<SubnetValidationException>(() => SubnetValidator.Validate(Subnet("s", "10.0.0.0/24", exclude: ["10.0.0.5", "10.0.0.x"]), Options, _ => false)).Field);
        Assert.Equal("spec.gatewayType", Assert.Throws<SubnetValidationException>(() => SubnetValidator.Validate(Subnet("s", "10.0.0.0/24", gatewayType: "sideways"), Options, _ => false)).Field);
        Assert.Equal("spec.mtu", Assert.Throws<SubnetValidationException>(() => SubnetValidator.Validate(Subnet("s", "fd00::/64", mtu: 1000), Options, _ => false)).Field);
        var clash = Assert.Throws<SubnetValidationException>(() => SubnetValidator.Validate(Subnet("tenant", "10.0.0.0/24"), Options, vpc => vpc == "tenant"));
        Assert.Contains("cannot have the same name", clash.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AdmissionRejectsOverlapWithinVpcOnly()
    {
        var admission = new SubnetAdmission(new VmNet.Ipam.IpamRegistry());
        var a = SubnetValidator.Validate(Subnet("a", "10.0.0.0/16"), Options, _ => false);
        admission.Admit(a, null);
        var b = SubnetValidator.Validate(Subnet("b", "10.0.128.0/17"), Options, _ => false);
        var ex = Assert.Throws<SubnetOverlapException>(() => admission.Admit(b, null));
        Assert.Equal("subnet b cidr 10.0.128.0/17 is conflict with subnet a cidr 10.0.0.0/16", ex.Message);
        Assert.False(admission.IsAdmitted("b"));

        var other = SubnetValidator.Validate(Subnet("c", "10.0.0.0/24"), Options, _ => false) with { Vpc = "tenant" };
        admission.Admit(other, null);
        Assert.True(admission.IsAdmitted("c"));

        Assert.True(admission.Remove("a"));
        admission.Admit(b, null);
        Assert.Equal(["b", "c"], admission.AdmittedNames);
    }
}
