using VmNet.Multus;

namespace VmNet.Tests.Multus;

public class AttachmentPlannerTests
{
    private static readonly Dictionary<string, NadConfig> Nads = new(StringComparer.Ordinal)
    {
        ["default/att1"] = new(NadKind.Ovn, "att1.default.ovn"),
        ["default/att2"] = new(NadKind.Ovn, "att2.default.ovn"),
        ["other/mv"] = new(NadKind.IpamOnly, "mv.other"),
        ["default/foreign"] = new(NadKind.Foreign, null),
    };

    private static AttachmentPlan Plan(params (string Key, string Value)[] annotations) =>
        AttachmentPlanner.Plan("default", annotations.ToDictionary(a => a.Key, a => a.Value), (ns, name) => Nads.GetValueOrDefault($"{ns}/{name}"));

    [Fact]
    public void NoSelectionIsDefaultOnly()
    {
        var plan = Plan();
        Assert.True(plan.HasImplicitOvn);
        Assert.True(plan.ImplicitOvnDefaultRoute);
        Assert.Empty(plan.Attachments);
    }

    [Fact]
    public void DerivesProvidersAndInterfaceNames()
    {
        var plan = Plan((MultusAnnotations.Networks, "att1,default/foreign,other/mv,att2@data"));
        Assert.Equal(["att1.default.ovn", "mv.other", "att2.default.ovn"], plan.Attachments.Select(a => a.Provider));
        Assert.Equal(["net1", "net3", "data"], plan.Attachments.Select(a => a.InterfaceName));
        Assert.Equal([true, false, true], plan.Attachments.Select(a => a.HasPort));
        Assert.True(plan.ImplicitOvnDefaultRoute);
        Assert.All(plan.Attachments, a => Assert.False(a.DefaultRoute));
    }

    [Fact]
    public void SameNadTwiceGetsPerInterfaceProviders()
    {
        var plan = Plan((MultusAnnotations.Networks, "att1@net1,att1@net2,att2@net3"));
        Assert.Equal(["att1.default.ovn.net1", "att1.default.ovn.net2", "att2.default.ovn"], plan.Attachments.Select(a => a.Provider));
        Assert.Equal(["att1.default.ovn", "att1.default.ovn", "att2.default.ovn"], plan.Attachments.Select(a => a.SubnetProvider));
    }

    [Fact]
    public void SecondaryDefaultRouteAnnotationMovesItOffThePrimary()
    {
        var plan = Plan((MultusAnnotations.Networks, "att1,att2"), ("att2.default.ovn.kubernetes.io/default_route", "true"));
        Assert.False(plan.ImplicitOvnDefaultRoute);
        Assert.Equal([false, true], plan.Attachments.Select(a => a.DefaultRoute));
    }

    [Fact]
    public void SelectionDefaultRouteFieldCounts()
    {
        var plan = Plan((MultusAnnotations.Networks, """[{"name":"att1","default-route":["10.1.0.1"]},{"name":"att2"}]"""));
        Assert.False(plan.ImplicitOvnDefaultRoute);
        Assert.Equal([true, false], plan.Attachments.Select(a => a.DefaultRoute));
    }

    [Fact]
    public void PrimaryFalseLeavesNoDefaultRoute()
    {
        var plan = Plan((MultusAnnotations.Networks, "att1"), ("ovn.kubernetes.io/default_route", "false"));
        Assert.False(plan.ImplicitOvnDefaultRoute);
        Assert.False(plan.Attachments[0].DefaultRoute);
    }

    [Theory]
    [InlineData("ovn.kubernetes.io/default_route", "att2.default.ovn.kubernetes.io/default_route")]
    [InlineData("att1.default.ovn.kubernetes.io/default_route", "att2.default.ovn.kubernetes.io/default_route")]
    public void DefaultRouteOnTwoNicsIsRejected(string first, string second)
    {
        var ex = Assert.Throws<MultusException>(() => Plan((MultusAnnotations.Networks, "att1,att2"), (first, "true"), (second, "true")));
        Assert.Contains("more than one NIC", ex.Message, StringComparison.Ordinal);
        Assert.Contains(second, ex.Field, StringComparison.Ordinal);
    }

    [Fact]
    public void BadDefaultRouteValueIsRejected()
    {
        var ex = Assert.Throws<MultusException>(() => Plan((MultusAnnotations.Networks, "att1"), ("att1.default.ovn.kubernetes.io/default_route", "yes")));
        Assert.Equal("att1.default.ovn.kubernetes.io/default_route", ex.Field);
    }

    [Fact]
    public void MissingNadIsRejected()
    {
        var ex = Assert.Throws<MultusException>(() => Plan((MultusAnnotations.Networks, "att1,nope")));
        Assert.Equal("default/nope", ex.Value);
        Assert.Contains("does not exist", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DefaultNetworkReplacesImplicitOvn()
    {
        var plan = Plan((MultusAnnotations.DefaultNetwork, "default/att1"), (MultusAnnotations.Networks, "att2"));
        Assert.False(plan.HasImplicitOvn);
        Assert.False(plan.ImplicitOvnDefaultRoute);
        Assert.True(plan.Attachments[0].IsDefaultNetwork);
        Assert.Equal("eth0", plan.Attachments[0].InterfaceName);
        Assert.Equal([true, false], plan.Attachments.Select(a => a.DefaultRoute));
    }

    [Fact]
    public void StaticAddressSourcesInPriorityOrder()
    {
        var annotations = new Dictionary<string, string>
        {
            [MultusAnnotations.Networks] = """[{"name":"att1","interface":"n1","ips":["10.9.0.9"],"mac":"02:00:00:00:00:09"},{"name":"att1","interface":"n2","ips":["10.9.0.8"]}]""",
            ["att1.default.ovn.n1.kubernetes.io/ip_address"] = "10.9.0.1",
            ["att1.default.kubernetes.io/ip_address.n2"] = "10.9.0.2",
            ["att1.default.kubernetes.io/mac_address.n2"] = "02:00:00:00:00:02",
        };
        var plan = AttachmentPlanner.Plan("default", annotations, (ns, name) => Nads.GetValueOrDefault($"{ns}/{name}"));
        Assert.Equal(new SourcedValue("att1.default.ovn.n1.kubernetes.io/ip_address", "10.9.0.1"), AttachmentAddressInput.StaticIps(annotations, plan.Attachments[0]));
        Assert.Equal("02:00:00:00:00:09", AttachmentAddressInput.StaticMac(annotations, plan.Attachments[0])!.Value);
        Assert.Equal(new SourcedValue("att1.default.kubernetes.io/ip_address.n2", "10.9.0.2"), AttachmentAddressInput.StaticIps(annotations, plan.Attachments[1]));
        Assert.Equal("02:00:00:00:00:02", AttachmentAddressInput.StaticMac(annotations, plan.Attachments[1])!.Value);
    }

    [Theory]
    [InlineData("", true)]
    [InlineData("ovn", true)]
    [InlineData("a.b.ovn", true)]
    [InlineData("a.b.ovn.net1", false)]
    [InlineData("a.b", false)]
    public void IsOvnProviderMatchesKubeOvn(string provider, bool expected) => Assert.Equal(expected, ProviderNames.IsOvnProvider(provider));
}

public class PrimaryDefaultRouteTests
{
    [Theory]
    [InlineData(null, null, null, true)]
    [InlineData("att1", null, null, true)]
    [InlineData("att1", "true", null, false)]
    [InlineData("att1", null, "false", false)]
    [InlineData("att1", "true", "true", true)]
    [InlineData("""[{"name":"att1","default-route":["10.1.0.1"]}]""", null, null, false)]
    public void AgreesWithThePlanner(string? networks, string? secondary, string? primary, bool expected)
    {
        var annotations = new Dictionary<string, string>();
        if (networks is not null)
        {
            annotations[MultusAnnotations.Networks] = networks;
        }

        if (secondary is not null)
        {
            annotations["att1.default.ovn.kubernetes.io/default_route"] = secondary;
        }

        if (primary is not null)
        {
            annotations["ovn.kubernetes.io/default_route"] = primary;
        }

        Assert.Equal(expected, PrimaryDefaultRoute.Carries(annotations, "default"));
        if (!(secondary == "true" && primary == "true"))
        {
            var plan = AttachmentPlanner.Plan("default", annotations, (_, _) => new NadConfig(NadKind.Ovn, null));
            Assert.Equal(expected, plan.ImplicitOvnDefaultRoute);
        }
    }
}

public class ProviderForInterfaceTests
{
    [Fact]
    public void PerInterfaceProviderWinsOnlyWhenAllocated()
    {
        var annotations = new Dictionary<string, string> { ["attb.default.ovn.n1.kubernetes.io/allocated"] = "true" };
        Assert.Equal("attb.default.ovn.n1", ProviderNames.ForInterface("attb.default.ovn", "n1", annotations));
        Assert.Equal("attb.default.ovn", ProviderNames.ForInterface("attb.default.ovn", "n2", annotations));
        Assert.Equal("ovn", ProviderNames.ForInterface("ovn", "n1", new Dictionary<string, string> { ["ovn.n1.kubernetes.io/allocated"] = "true" }));
        Assert.Equal("mv.default", ProviderNames.ForInterface("mv.default", "n1", new Dictionary<string, string> { ["mv.default.n1.kubernetes.io/allocated"] = "true" }));
    }
}
